/**
 * `cli runs`: every experiment of a store with its runs, newest first, in a
 * table that fits the terminal (100 columns when not on one): name, short id,
 * status, start time, duration, latest metrics and params.
 *
 * @module
 */
import type { RunRecord, TrackingClient } from "../../mod.ts";
import { duration, fmt, plural, table, when } from "./format.ts";

function summary(entries: [string, string][], keep: number): string {
  const shown = entries.slice(0, keep).map(([k, v]) => `${k}=${v}`);
  return shown.join(" ") + (entries.length > keep ? ` +${entries.length - keep}` : "");
}

function row(run: RunRecord): string[] {
  const metrics = Object.entries(run.data.metrics).sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]): [string, string] => [k, fmt(v)]);
  const params = Object.entries(run.data.params).sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]): [string, string] => [k, v.length > 12 ? `${[...v].slice(0, 11).join("")}…` : v]);
  return [
    run.info.runName,
    run.info.runId.slice(0, 8),
    run.info.status,
    when(run.info.startTime),
    duration(run),
    summary(metrics, 4),
    summary(params, 4),
  ];
}

/** The runs of every experiment in `client`'s store, as lines that fit `columns`. */
export async function runsTable(client: TrackingClient, columns = 100): Promise<string> {
  const out: string[] = [];
  for (const exp of await client.searchExperiments()) {
    const runs = await client.searchRuns({
      experimentIds: [exp.experimentId],
      orderBy: ["attributes.start_time DESC"],
    });
    if (runs.length === 0) continue;
    out.push(`${exp.name} (${plural(runs.length, "run")})`);
    const rows = [
      ["RUN", "ID", "STATUS", "STARTED", "TOOK", "METRICS", "PARAMS"],
      ...runs.map(row),
    ];
    const lines = table(rows, columns - 2).split("\n").map((l) => `  ${l}`);
    out.push(...lines, "");
  }
  return out.length === 0 ? "no runs yet" : out.join("\n").trimEnd();
}
