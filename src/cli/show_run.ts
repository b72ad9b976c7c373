/**
 * `cli show RUN_ID`: one run in a terminal: its experiment, status and times,
 * params, tags, and per metric a chart of its whole history with its last,
 * lowest, highest and best value.
 *
 * @module
 */
import {
  type ArtifactEntry,
  type RunRecord,
  type TrackingClient,
  ValidationError,
} from "../../mod.ts";
import { allFiles, artifactTable } from "./artifact_list.ts";
import { duration, fmt, plural, printable, table, when } from "./format.ts";
import { type MetricSummary, summarize } from "./metric_summary.ts";
import { sparkline } from "./sparkline.ts";

/** A run read whole: record, experiment name, every metric's summary and its artifact files. */
export interface RunView {
  run: RunRecord;
  experiment: string;
  metrics: MetricSummary[];
  /** Files below the artifact root (the first 200), and whether there were more. */
  artifacts: { files: ArtifactEntry[]; more: boolean };
}

/**
 * Finds a run by its full id or the short one `cli runs` prints. A short id
 * must name one run: an empty one, or one that several runs begin with, is a
 * `ValidationError` listing them (the first found was shown before).
 */
export async function resolveRunId(client: TrackingClient, id: string): Promise<string> {
  if (id === "") throw new ValidationError("a run id is needed, got ''");
  if (id.length >= 32) return id;
  const hits: string[] = [];
  for (const exp of await client.searchExperiments({ viewType: "ALL" })) {
    const runs = await client.searchRuns({ experimentIds: [exp.experimentId], viewType: "ALL" });
    for (const r of runs) if (r.info.runId.startsWith(id)) hits.push(r.info.runId);
  }
  if (hits.length > 1) {
    throw new ValidationError(
      `run id '${id}' begins ${hits.length} runs (${hits.slice(0, 5).join(", ")}${
        hits.length > 5 ? ", ..." : ""
      }); give more of it`,
    );
  }
  return hits[0] ?? id;
}

/** Reads a run and every metric's history. */
export async function readRun(client: TrackingClient, id: string): Promise<RunView> {
  const runId = await resolveRunId(client, id);
  const run = await client.getRun(runId);
  const experiment = await client.getExperiment(run.info.experimentId).then(
    (e) => e.name,
    () => run.info.experimentId,
  );
  const metrics: MetricSummary[] = [];
  for (const key of Object.keys(run.data.metrics).sort()) {
    metrics.push(summarize(key, await client.getMetricHistory(runId, key)));
  }
  // Metrics with a history (a chart worth reading) first, then single values; each by name.
  metrics.sort((a, b) => Number(b.points.length > 1) - Number(a.points.length > 1));
  return { run, experiment, metrics, artifacts: await allFiles(client, runId) };
}

function oneLine(v: string): string {
  const first = v.split("\n")[0];
  return first.length > 80 || first !== v ? `${first.slice(0, 80)} …` : v;
}

/**
 * The run's datasets, one line each: name (digest), context: source.
 *
 * @example
 * ```ts ignore
 * datasetLines(run); // ["mnist (d1), training: s3://data/mnist"]
 * ```
 */
export function datasetLines(run: RunRecord): string[] {
  return (run.inputs ?? []).map((d) =>
    `${d.name} (${d.digest})${d.context ? `, ${d.context}` : ""}` +
    (d.sourceType === "code" ? "" : `: ${d.source}`)
  );
}

/** The run as text for a terminal of `columns` (100 when not on one); every field printable. */
export function showRun(
  { run, experiment, metrics, artifacts }: RunView,
  columns = 100,
): string {
  const { info } = run;
  const lines = [
    `run ${info.runName} (${info.runId})`,
    `  experiment ${experiment}, ${info.status}, started ${when(info.startTime, true)}, ` +
    `took ${duration(run)}`,
  ];
  const params = Object.entries(run.data.params).sort(([a], [b]) => a.localeCompare(b));
  if (params.length) lines.push("params:", ...params.map(([k, v]) => `  ${k} = ${oneLine(v)}`));
  const tags = Object.entries(run.data.tags).filter(([k]) => !k.startsWith("mlflow."));
  if (tags.length) lines.push("tags:", ...tags.map(([k, v]) => `  ${k} = ${oneLine(v)}`));
  if (metrics.length > 0) {
    const rows = [["METRIC", "HISTORY", "LAST", "MIN", "MAX", "BEST (STEP)", "POINTS"]];
    for (const m of metrics) {
      const chart = sparkline(m.points.map((p) => p.value), 30, m.log) + (m.log ? " log" : "");
      rows.push([
        m.key,
        chart,
        fmt(m.last),
        fmt(m.min),
        fmt(m.max),
        m.best === undefined ? "-" : `${fmt(m.best.value)} @${m.best.step}`,
        plural(m.points.length, "point"),
      ]);
    }
    lines.push("metrics:", ...table(rows, columns - 2).split("\n").map((l) => `  ${l}`));
  }
  const datasets = datasetLines(run);
  if (datasets.length > 0) lines.push("datasets:", ...datasets.map((d) => `  ${d}`));
  if (artifacts.files.length > 0) {
    lines.push(
      "artifacts:",
      ...artifactTable(artifacts.files, columns - 2).split("\n").map((l) => `  ${l}`),
    );
    if (artifacts.more) lines.push("  … more: cli artifacts RUN_ID PATH lists one folder");
  }
  return lines.map(printable).join("\n");
}
