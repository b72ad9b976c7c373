/**
 * The command line: look at a local store or a server, and upload a store.
 *
 * ```sh
 * oicm-tracking runs [--store DIR | --from URL] [--columns lr,loss] [--sort -metrics.acc] [--filter "metrics.loss < 0.1"]
 * oicm-tracking show RUN_ID [--store DIR | --from URL] [--html report.html]
 * oicm-tracking artifacts RUN_ID [PATH] [--store DIR | --from URL]
 * OICM_TRACKING_API_KEY=... oicm-tracking sync [STORE] --to URI [--workspace WS]
 * ```
 *
 * (`npx oicm-tracking` / `bunx oicm-tracking` from the npm package; in Deno,
 * `deno run -A jsr:@oicm/tracking/cli`.) The read commands read `./mlruns` by
 * default, or the server the environment names (`MLFLOW_TRACKING_URI`,
 * `OICM_TRACKING_API_HOST`), with the key the library would use for it.
 * `sync` reads the API key from `OICM_TRACKING_API_KEY` for an OICM host or
 * `MLFLOW_TRACKING_TOKEN` for an MLflow server (or `--api-key`, which lands in
 * shell history and in `deno task`'s echo of the command line); it never prints it.
 * An unknown command or flag is an error naming it, with the usage (exit code 2).
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import process from "node:process";
import { TrackingError } from "../mod.ts";
import { type Command, parseArgs, type ParsedArgs, usage, UsageError } from "./cli/args.ts";
import { printable } from "./cli/format.ts";
import { syncProgress } from "./cli/progress.ts";
import { reportHtml } from "./cli/report_html.ts";
import { runsTable } from "./cli/runs_table.ts";
import { readRun, resolveRunId, showRun } from "./cli/show_run.ts";
import { artifactTable } from "./cli/artifact_list.ts";
import { openSource, openStore } from "./cli/source.ts";

export { printable, table } from "./cli/format.ts";
export { sparkline } from "./cli/sparkline.ts";

/** The terminal's width when writing to one, else 100 columns. */
function columns(): number {
  const cols = process.stdout.isTTY === true ? process.stdout.columns : undefined;
  return typeof cols === "number" && cols >= 60 ? cols : 100;
}

/** Flags every read command takes: where to read. */
const SOURCE = { store: "value", from: "value", workspace: "value" } as const;

/** Opens the source the flags name, runs `work` on it, and closes it. */
async function reading<T>(
  flags: Record<string, string>,
  work: (client: Awaited<ReturnType<typeof openSource>>) => Promise<T>,
): Promise<T> {
  const client = await openSource(flags);
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

const runs: Command = {
  synopsis: "runs [--store DIR | --from URL] [--columns A,B] [--sort KEY] [--desc] [--filter EXPR]",
  summary: "experiments and runs: status, start, duration, metrics, params (those that\n" +
    "differ between runs first); --columns lr,loss picks columns, --sort metrics.loss\n" +
    '(-metrics.loss or --desc: descending), --filter "metrics.loss < 0.1" (MLflow\'s syntax)',
  args: [],
  required: 0,
  flags: { ...SOURCE, columns: "value", sort: "value", desc: "switch", filter: "value" },
  run: ({ flags }) =>
    reading(flags, (client) =>
      runsTable(client, {
        width: columns(),
        columns: flags.columns?.split(",").map((c) => c.trim()).filter((c) => c !== ""),
        sort: flags.sort,
        desc: flags.desc === "true",
        filter: flags.filter,
      })),
};

const show: Command = {
  synopsis: "show RUN_ID [--store DIR | --from URL] [--html FILE]",
  summary: "one run: a chart, last/min/max/best per metric, datasets, artifacts;\n" +
    "--html writes a self-contained page with a chart per metric",
  args: ["RUN_ID"],
  required: 1,
  flags: { ...SOURCE, html: "value" },
  run: ({ positional: [id], flags }) =>
    reading(flags, async (client) => {
      const view = await readRun(client, id);
      if (flags.html === undefined) return showRun(view, columns());
      writeFileSync(flags.html, reportHtml(view));
      return `wrote ${
        resolve(flags.html)
      }: ${view.metrics.length} chart(s), run ${view.run.info.runName}`;
    }),
};

const artifacts: Command = {
  synopsis: "artifacts RUN_ID [PATH] [--store DIR | --from URL]",
  summary: "one level of a run's artifacts (below PATH), with sizes",
  args: ["RUN_ID", "PATH"],
  required: 1,
  flags: { ...SOURCE },
  run: ({ positional: [id, path], flags }) =>
    reading(flags, async (client) => {
      const runId = await resolveRunId(client, id);
      const entries = await client.listArtifacts(runId, path);
      if (entries.length === 0) {
        return path === undefined ? `run ${runId} has no artifacts` : `nothing below ${path}`;
      }
      return artifactTable(entries, columns());
    }),
};

/** Whether `to` is an OICM API host (its path ends in /api/tracking). */
const isOicm = (to: string) => /\/api\/tracking\/?$/.test(to);

/** A variable, or undefined when unset or empty. */
const env = (name: string) => process.env[name] || undefined;

/**
 * The key a sync to `to` may use from the environment: an OICM key only for an
 * OICM host (and only the host it was set with, when `OICM_TRACKING_API_HOST`
 * is set), `MLFLOW_TRACKING_TOKEN` only for an MLflow server.
 */
function envKey(to: string): string | undefined {
  if (!isOicm(to)) return env("MLFLOW_TRACKING_TOKEN");
  const host = env("OICM_TRACKING_API_HOST") ?? env("OIP_TRACKING_SERVER");
  const key = env("OICM_TRACKING_API_KEY") ?? env("OIP_WORKLOAD_ACCESS_KEY");
  if (
    key !== undefined && host !== undefined && host.replace(/\/+$/, "") !== to.replace(/\/+$/, "")
  ) {
    console.error(
      "note: OICM_TRACKING_API_KEY belongs to OICM_TRACKING_API_HOST, not to --to; it is not sent",
    );
    return undefined;
  }
  return key;
}

async function sync({ positional: [dir], flags }: ParsedArgs): Promise<string> {
  const to = flags.to;
  if (!to) {
    throw new UsageError("sync needs --to URI (an OICM API host or an MLflow server)", "sync");
  }
  const fromEnv = envKey(to);
  const fromFlag = flags["api-key"] || undefined;
  if (fromFlag !== undefined) {
    console.error(
      "note: a key given with --api-key lands in your shell history (and in the command line " +
        "'deno task' prints); prefer OICM_TRACKING_API_KEY" +
        (fromEnv !== undefined ? ". The flag wins over the variable here." : ""),
    );
  }
  const apiKey = fromFlag ?? fromEnv;
  if (isOicm(to)) {
    if (!flags.workspace) {
      throw new TrackingError(
        "syncing to OICM needs a workspace: pass --workspace WS (the workspace id in OICM)",
      );
    }
    if (apiKey === undefined) {
      throw new TrackingError(
        "syncing to OICM needs an API key: set OICM_TRACKING_API_KEY (or pass --api-key KEY)",
      );
    }
  }
  const source = openStore(dir ?? flags.store ?? "./mlruns");
  const progress = syncProgress({
    tty: process.stderr.isTTY === true,
    write: (text) => process.stderr.write(text),
  });
  try {
    const report = await source.sync({
      to: { apiHost: to, apiKey, workspaceId: flags.workspace },
      onProgress: (p) => progress.update(p),
      force: flags.force === "true",
    });
    const sent = report.created + report.metrics + report.params + report.tags +
      report.artifacts + report.ended + report.refused;
    if (sent === 0) {
      return report.runs === 0
        ? "nothing to send: the store has no runs"
        : `nothing to send: ${report.runs} run(s) already on ${to}, up to date`;
    }
    return `synced ${report.runs} run(s) to ${to}: ${report.created} created, ` +
      `${report.metrics} points, ${report.params} params, ${report.tags} tags, ` +
      `${report.artifacts} artifact file(s), ${report.ended} end(s) sent` +
      (report.refused > 0 ? `; ${report.refused} record(s) refused (see the notes above)` : "");
  } finally {
    progress.done();
    await source.close();
  }
}

/**
 * Every command, by name. A command is declared with its arguments and flags
 * (anything else is refused) and resolves to what it prints.
 */
const COMMANDS: Record<string, Command> = {
  runs,
  show,
  artifacts,
  sync: {
    synopsis: "sync [DIR] --to URI [--workspace WS] [--force]",
    summary: "upload a local store (or a spool) to a server; --force sends every run\n" +
      "again, as new runs. The key: OICM_TRACKING_API_KEY (OICM) or MLFLOW_TRACKING_TOKEN\n" +
      "(MLflow); --api-key KEY works too but lands in your shell history",
    args: ["DIR"],
    required: 0,
    flags: { to: "value", workspace: "value", force: "switch", "api-key": "value", store: "value" },
    run: sync,
  },
};

/** Prints `text` with every line made printable (no control character reaches the terminal). */
function print(write: (line: string) => void, text: string): void {
  write(text.split("\n").map(printable).join("\n"));
}

/**
 * Runs the command line with `args` and resolves to the exit code: 0 when it
 * worked, 1 when the command failed, 2 for a command line it does not
 * understand (an unknown command or flag, named, with the usage). Output goes
 * to stdout, errors (never the API key) to stderr.
 *
 * @example
 * ```ts ignore
 * import { main } from "@oicm/tracking/cli";
 * const code = await main(["runs", "--store", "./mlruns"]);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === "--help" || name === "-h" || name === "help") {
    console.log(usage(COMMANDS));
    return 0;
  }
  const command = name === undefined ? undefined : COMMANDS[name];
  try {
    if (command === undefined) {
      throw new UsageError(
        name === undefined ? "no command given" : `unknown command ${JSON.stringify(name)}`,
      );
    }
    if (rest.includes("--help") || rest.includes("-h")) {
      console.log(usage(COMMANDS, name));
      return 0;
    }
    print(console.log, await command.run(parseArgs(name!, command, rest)));
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    print(console.error, `error: ${message}`);
    if (err instanceof UsageError) {
      console.error(usage(COMMANDS, err.command));
      return 2;
    }
    return 1;
  }
}

if ((import.meta as { main?: boolean }).main) process.exit(await main(process.argv.slice(2)));
