/**
 * `cli compare ID ID [...]`: runs side by side in a terminal (the params that
 * differ, each metric's last, min and max per run with its sparkline), or,
 * with `--html FILE`, the viewer's compare page as one self-contained file.
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { RunRecord, TrackingClient } from "../../mod.ts";
import { TrackingError } from "../../mod.ts";
import type { Command } from "./args.ts";
import { fmt, printable, table, terminalWidth } from "./format.ts";
import { openSource, SOURCE_FLAGS } from "./source.ts";
import { resolveRunId } from "./show_run.ts";
import { sparkline, wantsLogScale } from "./sparkline.ts";

/**
 * The terminal comparison of `runs` (resolved records) for a terminal of `columns`.
 *
 * @example
 * ```ts ignore
 * console.log(await compareText(client, [runA, runB], 100));
 * ```
 */
export async function compareText(
  client: TrackingClient,
  runs: RunRecord[],
  columns = 100,
): Promise<string> {
  const names = runs.map((r) => printable(r.info.runName || r.info.runId.slice(0, 8)));
  const lines = [
    `comparing ${runs.length} runs: ` +
    runs.map((r, i) => `${names[i]} (${r.info.runId.slice(0, 8)}, ${r.info.status})`).join(", "),
  ];
  const keys = (kind: "params" | "metrics") =>
    [...new Set(runs.flatMap((r) => Object.keys(r.data[kind])))].sort();
  const differ = keys("params").filter((k) => new Set(runs.map((r) => r.data.params[k])).size > 1);
  const same = keys("params").length - differ.length;
  if (differ.length > 0) {
    const rows = [["PARAM", ...names.map((n) => n.toUpperCase())]];
    for (const k of differ) {
      rows.push([printable(k), ...runs.map((r) => printable(r.data.params[k] ?? "-"))]);
    }
    lines.push(
      `params that differ (${differ.length}; ${same} the same):`,
      ...table(rows, columns - 2).split("\n").map((l) => `  ${l}`),
    );
  } else lines.push(`params: all ${same} the same`);
  const metricKeys = keys("metrics");
  if (metricKeys.length > 0) {
    const keyWidth = Math.max(6, ...metricKeys.map((k) => Math.min(40, k.length)));
    const nameWidth = Math.max(3, ...names.map((n) => Math.min(30, n.length)));
    const spark = Math.max(8, Math.min(40, columns - keyWidth - nameWidth - 40));
    const rows = [["METRIC", "RUN", "HISTORY", "LAST", "MIN", "MAX"]];
    for (const key of metricKeys) {
      const histories = await Promise.all(
        runs.map((run) =>
          key in run.data.metrics
            ? client.getMetricHistory(run.info.runId, key).then((h) => h.map((p) => p.value))
            : undefined
        ),
      );
      // One scale kind per metric, so the runs' lines read alike.
      const log = wantsLogScale(histories.flatMap((h) => h ?? []));
      for (const [i, values] of histories.entries()) {
        if (values === undefined) continue;
        const finite = values.filter(Number.isFinite);
        rows.push([
          histories.findIndex((h) => h !== undefined) === i ? printable(key) : "",
          names[i],
          sparkline(values, spark, log) + (log ? " log" : ""),
          fmt(values.at(-1) ?? NaN),
          finite.length ? fmt(Math.min(...finite)) : "-",
          finite.length ? fmt(Math.max(...finite)) : "-",
        ]);
      }
    }
    lines.push("metrics:", ...table(rows, columns - 2).split("\n").map((l) => `  ${l}`));
  }
  return lines.join("\n");
}

/**
 * Runs `compare`: `ids` (full or short run ids) from the source the flags
 * name (`--store`, `--from`); text, or the HTML file written with `--html`
 * (then a line saying where).
 *
 * @example
 * ```ts ignore
 * console.log(await compare(["a1b2", "c3d4"], { store: "./mlruns" }, 100));
 * ```
 */
export async function compare(
  ids: string[],
  flags: Record<string, string>,
  columns: number,
): Promise<string> {
  const html = flags.html;
  if (ids.length < 2) throw new TrackingError("compare needs two run ids at least");
  if (html === "") throw new TrackingError("--html needs a file name: --html compare.html");
  const client = await openSource(flags);
  try {
    const full = await Promise.all(ids.map((id) => resolveRunId(client, id)));
    if (html !== undefined) {
      const { compareHtml } = await import("../viewer/mod.ts");
      writeFileSync(html, await compareHtml(client, full));
      return `wrote ${resolve(html)}: ${full.length} runs compared`;
    }
    const runs = await Promise.all(full.map((id) => client.getRun(id)));
    return await compareText(client, runs, columns);
  } finally {
    await client.close();
  }
}

/** `compare RUN_ID RUN_ID [...]`: runs side by side, in the terminal or as an HTML page. */
export const compareCommand: Command = {
  synopsis: "compare RUN_ID RUN_ID [...] [--store DIR | --from URL] [--html FILE]",
  summary: "runs side by side: the params that differ, each metric's last/min/max\n" +
    "with sparklines; --html writes the viewer's compare page as one file",
  args: ["RUN_ID", "RUN_ID"],
  required: 2,
  variadic: true,
  flags: { ...SOURCE_FLAGS, html: "value" },
  run: ({ positional, flags }) => compare(positional, flags, terminalWidth()),
};
