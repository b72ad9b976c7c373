/**
 * The read commands: `runs`, `show` (and `show --html`) and `artifacts`, each
 * on a store folder or a server (`source.ts`).
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "./args.ts";
import { artifactTable } from "./artifact_list.ts";
import { terminalWidth } from "./format.ts";
import { runsTable } from "./runs_table.ts";
import { readRun, resolveRunId, showRun } from "./show_run.ts";
import { SOURCE_FLAGS, withSource } from "./source.ts";

/** `runs`: the runs of every experiment, in a table. */
export const runs: Command = {
  synopsis: "runs [--store DIR | --from URL] [--columns A,B] [--sort KEY] [--desc] [--filter EXPR]",
  summary: "experiments and runs: status, start, duration, metrics, params (those that\n" +
    "differ between runs first); --columns lr,loss picks columns, --sort metrics.loss\n" +
    '(-metrics.loss or --desc: descending), --filter "metrics.loss < 0.1" (MLflow\'s syntax)',
  args: [],
  required: 0,
  flags: { ...SOURCE_FLAGS, columns: "value", sort: "value", desc: "switch", filter: "value" },
  run: ({ flags }) =>
    withSource(flags, (client) =>
      runsTable(client, {
        width: terminalWidth(),
        columns: flags.columns?.split(",").map((c) => c.trim()).filter((c) => c !== ""),
        sort: flags.sort,
        desc: flags.desc === "true",
        filter: flags.filter,
      })),
};

/** `show RUN_ID`: one run, in the terminal or as an HTML page. */
export const show: Command = {
  synopsis: "show RUN_ID [--store DIR | --from URL] [--html FILE]",
  summary: "one run: a chart, last/min/max/best per metric, datasets, artifacts;\n" +
    "--html writes the viewer's run page as one self-contained file",
  args: ["RUN_ID"],
  required: 1,
  flags: { ...SOURCE_FLAGS, html: "value" },
  run: ({ positional: [id], flags }) =>
    withSource(flags, async (client) => {
      if (flags.html === undefined) return showRun(await readRun(client, id), terminalWidth());
      // The viewer's run page, inlined: loaded only for --html.
      const { runHtml } = await import("../viewer/mod.ts");
      writeFileSync(flags.html, await runHtml(client, await resolveRunId(client, id)));
      return `wrote ${resolve(flags.html)}: the run's page, self-contained`;
    }),
};

/** `artifacts RUN_ID [PATH]`: one level of a run's artifacts. */
export const artifacts: Command = {
  synopsis: "artifacts RUN_ID [PATH] [--store DIR | --from URL]",
  summary: "one level of a run's artifacts (below PATH), with sizes",
  args: ["RUN_ID", "PATH"],
  required: 1,
  flags: { ...SOURCE_FLAGS },
  run: ({ positional: [id, path], flags }) =>
    withSource(flags, async (client) => {
      const runId = await resolveRunId(client, id);
      const entries = await client.listArtifacts(runId, path);
      if (entries.length === 0) {
        return path === undefined ? `run ${runId} has no artifacts` : `nothing below ${path}`;
      }
      return artifactTable(entries, terminalWidth());
    }),
};
