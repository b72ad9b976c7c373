/**
 * The data each page starts from (its "boot"), built on the server for a
 * served page or an HTML export alike: the run page's and the compare page's
 * metrics arrive already reduced, so the first paint needs no other request.
 *
 * @module
 */
import type { Experiment, MetricPoint, RunRecord } from "../../mod.ts";
import { checkId, type ExperimentSummary, type ViewerData } from "./data.ts";
import { reduce, type Series } from "./reduce.ts";

/** Pixel columns the first reduction is made for (wide enough for a 4K screen's half). */
export const BOOT_WIDTH = 1200;
/** The most runs a compare page takes. */
export const MAX_COMPARE = 20;

/** A metric's last, lowest and highest value. */
export interface Stats {
  /** The value at the highest step. */
  last: number | null;
  /** The lowest finite value. */
  min: number | null;
  /** The highest finite value. */
  max: number | null;
}

/** What a page starts from; `page` says which. */
export type Boot =
  | { page: "home"; experiments: ExperimentSummary[]; source: string }
  | {
    page: "experiment";
    experiment: Experiment;
    runs: RunRecord[];
    filter: string;
    error?: string;
  }
  | {
    page: "run";
    run: RunRecord;
    experiment?: Experiment;
    series: Record<string, Series>;
    /** The record came from a search: its datasets are fetched after the first paint. */
    partial?: boolean;
  }
  | {
    page: "compare";
    runs: RunRecord[];
    series: Record<string, Record<string, Series>>;
    stats: Record<string, Record<string, Stats>>;
  }
  | { page: "error"; title: string; error: string };

/**
 * Last, min and max of `points`.
 *
 * @example
 * ```ts ignore
 * stats(points); // { last: 0.1, min: 0.05, max: 2.3 }
 * ```
 */
export function stats(points: readonly MetricPoint[]): Stats {
  let min: number | null = null;
  let max: number | null = null;
  for (const p of points) {
    if (!Number.isFinite(p.value)) continue;
    if (min === null || p.value < min) min = p.value;
    if (max === null || p.value > max) max = p.value;
  }
  const last = points.at(-1)?.value;
  return { last: last === undefined || !Number.isFinite(last) ? null : last, min, max };
}

/**
 * Every metric of `run`, reduced, with each one's stats.
 *
 * @example
 * ```ts ignore
 * const { series, stats } = await runSeries(data, run);
 * ```
 */
export async function runSeries(
  data: ViewerData,
  run: RunRecord,
  width = BOOT_WIDTH,
): Promise<{ series: Record<string, Series>; stats: Record<string, Stats> }> {
  const keys = Object.keys(run.data.metrics).sort();
  const histories = await Promise.all(keys.map((k) => data.history(run, k)));
  const series: Record<string, Series> = {};
  const summary: Record<string, Stats> = {};
  keys.forEach((k, i) => {
    series[k] = reduce(histories[i], width);
    summary[k] = stats(histories[i]);
  });
  return { series, stats: summary };
}

/**
 * The run page's boot.
 *
 * @example
 * ```ts ignore
 * const boot = await runBoot(data, "0123abcd...", true); // whole: with datasets
 * ```
 */
export async function runBoot(data: ViewerData, id: string, whole = false): Promise<Boot> {
  const partial = (!whole && data.searchedOnly(checkId(id))) || undefined;
  const run = await data.run(id, whole);
  const [experiment, { series }] = await Promise.all([
    data.experiment(run.info.experimentId).catch(() => undefined),
    runSeries(data, run),
  ]);
  return { page: "run", run, experiment, series, partial };
}

/**
 * The ids in `?runs=a,b,c`, checked (two at least, {@linkcode MAX_COMPARE} at most, no repeat).
 *
 * @example
 * ```ts ignore
 * compareIds("a1, b2,a1"); // ["a1", "b2"]
 * ```
 */
export function compareIds(list: string): string[] {
  const ids = [...new Set(list.split(",").map((s) => s.trim()).filter((s) => s !== ""))];
  if (ids.length < 1) throw new Error("name the runs to compare: /compare?runs=ID,ID");
  if (ids.length > MAX_COMPARE) throw new Error(`compare takes ${MAX_COMPARE} runs at most`);
  return ids.map(checkId);
}

/**
 * The compare page's boot.
 *
 * @example
 * ```ts ignore
 * const boot = await compareBoot(data, ["a1", "b2"]);
 * ```
 */
export async function compareBoot(data: ViewerData, ids: readonly string[]): Promise<Boot> {
  const runs = await Promise.all(ids.map((id) => data.run(checkId(id))));
  const series: Record<string, Record<string, Series>> = {};
  const summary: Record<string, Record<string, Stats>> = {};
  await Promise.all(runs.map(async (run) => {
    const got = await runSeries(data, run);
    series[run.info.runId] = got.series;
    summary[run.info.runId] = got.stats;
  }));
  return { page: "compare", runs, series, stats: summary };
}
