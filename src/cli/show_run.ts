/**
 * `cli show RUN_ID`: one run in a terminal: its experiment, status and times,
 * params, tags, and per metric a chart of its whole history with its last,
 * lowest, highest and best value.
 *
 * @module
 */
import type { RunRecord, TrackingClient } from "../../mod.ts";
import { duration, fmt, plural, table, when } from "./format.ts";
import { type MetricSummary, summarize } from "./metric_summary.ts";
import { sparkline } from "./sparkline.ts";

/** A run read whole: record, experiment name and every metric's summary. */
export interface RunView {
  run: RunRecord;
  experiment: string;
  metrics: MetricSummary[];
}

/** Finds a run by its full id or the short one `cli runs` prints. */
export async function resolveRunId(client: TrackingClient, id: string): Promise<string> {
  if (id.length >= 32) return id;
  for (const exp of await client.searchExperiments({ viewType: "ALL" })) {
    const runs = await client.searchRuns({ experimentIds: [exp.experimentId], viewType: "ALL" });
    const hit = runs.find((r) => r.info.runId.startsWith(id));
    if (hit) return hit.info.runId;
  }
  return id;
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
  return { run, experiment, metrics };
}

function oneLine(v: string): string {
  const first = v.split("\n")[0];
  return first.length > 80 || first !== v ? `${first.slice(0, 80)} …` : v;
}

/** The run as text for a terminal of `columns` (100 when not on one). */
export function showRun({ run, experiment, metrics }: RunView, columns = 100): string {
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
  return lines.join("\n");
}
