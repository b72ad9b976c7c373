/**
 * `cli runs`: every experiment with its runs, newest first, in a table that
 * fits the terminal (100 columns when not on one): name, short id, status,
 * start time, duration, then the metrics and params. Among several runs the
 * metrics and params whose values differ come first (they are what tells the
 * runs apart); `--columns` picks the columns, `--sort` orders the runs and
 * `--filter` keeps those an MLflow filter string matches (offline too).
 *
 * @module
 */
import { TrackingError } from "../../mod.ts";
import type { RunRecord, TrackingClient } from "../../mod.ts";
import { duration, fmt, plural, printable, table, when } from "./format.ts";

/** What `cli runs` was asked for. */
export interface RunsTableOptions {
  /** Columns after the run's own (name, id, status, start, duration): `lr`, `metrics.loss`. */
  columns?: string[];
  /** The column to order by (`metrics.loss`, `params.lr`, `loss`); a leading `-` for descending. */
  sort?: string;
  /** Descending order for `sort`. */
  desc?: boolean;
  /** An MLflow filter string: `metrics.loss < 0.1 and params.opt = 'adam'`. */
  filter?: string;
  /** The width to fit (100 by default). */
  width?: number;
}

type Kind = "metrics" | "params" | "tags" | "attributes";
const KINDS = new Set<string>(["metrics", "params", "tags", "attributes", "attribute"]);

/** A column or sort key, its kind resolved against the runs (a metric first, then a param, a tag). */
function resolveKey(name: string, runs: RunRecord[]): { kind: Kind; key: string } {
  const dot = name.indexOf(".");
  if (dot > 0 && KINDS.has(name.slice(0, dot))) {
    const kind = name.slice(0, dot);
    return { kind: kind === "attribute" ? "attributes" : kind as Kind, key: name.slice(dot + 1) };
  }
  for (const kind of ["metrics", "params", "tags"] as const) {
    if (runs.some((r) => name in r.data[kind])) return { kind, key: name };
  }
  if (/^(start_time|end_time|run_name|status|run_id|duration)$/.test(name)) {
    return { kind: "attributes", key: name };
  }
  return { kind: "metrics", key: name };
}

/** A run's value for a resolved key: a number where there is one, else text, else undefined. */
function valueOf(
  run: RunRecord,
  { kind, key }: { kind: Kind; key: string },
): number | string | undefined {
  if (kind === "metrics") return run.data.metrics[key];
  if (kind === "attributes") {
    if (key === "start_time") return run.info.startTime;
    if (key === "end_time") return run.info.endTime;
    if (key === "duration") return (run.info.endTime ?? Date.now()) - run.info.startTime;
    if (key === "run_name") return run.info.runName;
    if (key === "status") return run.info.status;
    if (key === "run_id") return run.info.runId;
    throw new TrackingError(
      `unknown attribute ${key} (start_time, end_time, duration, run_name, status, run_id)`,
    );
  }
  const text = run.data[kind][key];
  if (text === undefined) return undefined;
  const n = Number(text);
  return text.trim() !== "" && Number.isFinite(n) ? n : text;
}

function compare(a: number | string | undefined, b: number | string | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b));
}

/** Keys whose value is not the same in every run (absent counts as a value). */
function differing(records: Record<string, unknown>[]): Set<string> {
  const keys = new Set(records.flatMap((r) => Object.keys(r)));
  return new Set([...keys].filter((k) => records.some((r) => r[k] !== records[0][k])));
}

/** `k=v` pairs, those that tell the runs apart first, each group by name, `+N` when cut. */
function summary(entries: [string, string][], first: Set<string>, keep: number): string {
  const sorted = entries.sort(([a], [b]) =>
    Number(first.has(b)) - Number(first.has(a)) || a.localeCompare(b)
  );
  const shown = sorted.slice(0, keep).map(([k, v]) => `${k}=${v}`);
  return shown.join(" ") + (entries.length > keep ? ` +${entries.length - keep}` : "");
}

const shortParam = (v: string) => [...v].length > 12 ? `${[...v].slice(0, 11).join("")}…` : v;

function cell(value: number | string | undefined, kind: Kind, key: string): string {
  if (value === undefined) return "-";
  if (kind === "attributes" && (key === "start_time" || key === "end_time")) {
    return when(value as number, true);
  }
  return typeof value === "number" && kind === "metrics" ? fmt(value) : String(value);
}

function rowsOf(runs: RunRecord[], options: RunsTableOptions): string[][] {
  const base = (run: RunRecord) => [
    run.info.runName,
    run.info.runId.slice(0, 8),
    run.info.status,
    when(run.info.startTime),
    duration(run),
  ];
  const header = ["RUN", "ID", "STATUS", "STARTED", "TOOK"];
  if (options.columns !== undefined) {
    const keys = options.columns.map((c) => ({ name: c, ...resolveKey(c, runs) }));
    return [
      [...header, ...keys.map((k) => k.name.toUpperCase())],
      ...runs.map((
        run,
      ) => [...base(run), ...keys.map((k) => cell(valueOf(run, k), k.kind, k.key))]),
    ];
  }
  const several = runs.length > 1;
  const metricsDiffer = several ? differing(runs.map((r) => r.data.metrics)) : new Set<string>();
  const paramsDiffer = several ? differing(runs.map((r) => r.data.params)) : new Set<string>();
  return [
    [...header, "METRICS", "PARAMS"],
    ...runs.map((run) => [
      ...base(run),
      summary(
        Object.entries(run.data.metrics).map(([k, v]): [string, string] => [k, fmt(v)]),
        metricsDiffer,
        4,
      ),
      summary(
        Object.entries(run.data.params).map(([k, v]): [string, string] => [k, shortParam(v)]),
        paramsDiffer,
        4,
      ),
    ]),
  ];
}

/**
 * The runs of every experiment `client` sees, as lines that fit `options.width`.
 *
 * @example
 * ```ts ignore
 * console.log(await runsTable(client, { columns: ["lr", "loss"], sort: "-metrics.loss" }));
 * ```
 */
export async function runsTable(
  client: TrackingClient,
  options: RunsTableOptions = {},
): Promise<string> {
  const width = options.width ?? 100;
  let sortKey = options.sort;
  let desc = options.desc ?? false;
  if (sortKey?.startsWith("-")) [sortKey, desc] = [sortKey.slice(1), true];
  const out: string[] = [];
  let experiments = 0;
  for (const exp of await client.searchExperiments()) {
    experiments++;
    const runs = await client.searchRuns({
      experimentIds: [exp.experimentId],
      filter: options.filter,
      orderBy: ["attributes.start_time DESC"],
    });
    if (runs.length === 0) continue;
    if (sortKey !== undefined) {
      const key = resolveKey(sortKey, runs);
      const sign = desc ? -1 : 1;
      runs.sort((a, b) => {
        const [va, vb] = [valueOf(a, key), valueOf(b, key)];
        if (va === undefined || vb === undefined) return compare(va, vb); // missing ones last
        return sign * compare(va, vb);
      });
    }
    out.push(`${printable(exp.name)} (${plural(runs.length, "run")})`);
    // The run's name and id are cut last: they are what the other commands take.
    const lines = table(rowsOf(runs, options), width - 2, 6, [0, 1]).split("\n")
      .map((l) => `  ${l}`);
    out.push(...lines, "");
  }
  if (out.length > 0) return out.join("\n").trimEnd();
  if (options.filter !== undefined && experiments > 0) {
    return `no run matches ${printable(JSON.stringify(options.filter))}`;
  }
  return "no runs yet";
}
