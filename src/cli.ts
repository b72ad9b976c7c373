/**
 * The command line: look at a local store and upload it.
 *
 * ```sh
 * deno run -A jsr:@oicm/tracking/cli runs [--store ./mlruns]
 * deno run -A jsr:@oicm/tracking/cli show RUN_ID [--store ./mlruns] [--html report.html]
 * deno run -A jsr:@oicm/tracking/cli artifacts RUN_ID [PATH] [--store ./mlruns]
 * deno run -A jsr:@oicm/tracking/cli ui [--store ./mlruns | --from URL] [--port 5050]
 * deno run -A jsr:@oicm/tracking/cli compare RUN_ID RUN_ID [...] [--html compare.html]
 * OICM_TRACKING_API_KEY=... deno run -A jsr:@oicm/tracking/cli sync [STORE] --to URI [--workspace WS]
 * ```
 *
 * `sync` reads the API key from `OICM_TRACKING_API_KEY` or `MLFLOW_TRACKING_TOKEN`
 * (or `--api-key`, which lands in shell history and in `deno task`'s echo of
 * the command line); it never prints it.
 *
 * @module
 */
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import { TrackingClient, TrackingError } from "../mod.ts";
import { syncProgress } from "./cli/progress.ts";
import { compare } from "./cli/compare.ts";
import { ui } from "./cli/ui.ts";
import { runsTable } from "./cli/runs_table.ts";
import { readRun, resolveRunId, showRun } from "./cli/show_run.ts";
import { artifactTable } from "./cli/artifact_list.ts";

export { table } from "./cli/format.ts";
export { sparkline } from "./cli/sparkline.ts";

const USAGE = `usage:
  runs [--store DIR]                  experiments and runs: status, start, duration, metrics, params
  show RUN_ID [--store DIR] [--html FILE]
                                      one run: a chart, last/min/max/best per metric; --html
                                      writes a self-contained page with a chart per metric
  ui [--store DIR | --from URL] [--port 5050] [--host H]
                                      a web viewer of runs (loopback; --port 0: any free port)
  compare RUN_ID RUN_ID [...] [--store DIR | --from URL] [--html FILE]
                                      runs side by side: params that differ, metrics, sparklines
  artifacts RUN_ID [PATH] [--store DIR]
                                      one level of a run's artifacts (below PATH), with sizes
  sync [DIR] --to URI [--workspace WS] [--force]
                                      upload a local store (or a spool) to a server;
                                      --force sends every run again, as new runs

The API key comes from OICM_TRACKING_API_KEY (or MLFLOW_TRACKING_TOKEN for an MLflow
server). --api-key KEY works too, but a key given as a flag lands in your shell history
and in the command line 'deno task' prints: prefer the variable.`;

/** Flags that take no value. */
const SWITCHES = new Set(["force"]);

interface Parsed {
  positional: string[];
  flags: Record<string, string>;
}

function parse(args: string[]): Parsed {
  const out: Parsed = { positional: [], flags: {} };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith("--")) {
      // Split at the first '=' only: a key may hold '=' (base64 padding).
      const eq = a.indexOf("=");
      if (eq >= 0) out.flags[a.slice(2, eq)] = a.slice(eq + 1);
      else if (SWITCHES.has(a.slice(2))) out.flags[a.slice(2)] = "true";
      else out.flags[a.slice(2)] = args[++i] ?? "";
    } else out.positional.push(a);
  }
  return out;
}

/** The terminal's width when writing to one, else 100 columns. */
function columns(): number {
  const cols = process.stdout.isTTY === true ? process.stdout.columns : undefined;
  return typeof cols === "number" && cols >= 60 ? cols : 100;
}

function openStore(path: string): TrackingClient {
  if (!existsSync(path)) {
    throw new TrackingError(`no store at ${path} (nothing was recorded there yet?)`);
  }
  if (!existsSync(join(path, "0", "meta.yaml")) && !existsSync(join(path, ".trash"))) {
    throw new TrackingError(
      `${path} is not an MLflow FileStore (no Default experiment, no .trash)`,
    );
  }
  return new TrackingClient({
    offline: true,
    storagePath: path,
    onNotice: (message) => console.error(`note: ${message}`),
  });
}

async function show(store: string, id: string, flags: Record<string, string>): Promise<string> {
  if (flags.html === undefined) return showRun(await readRun(openStore(store), id), columns());
  if (flags.html === "") throw new TrackingError("--html needs a file name: --html report.html");
  const client = openStore(store);
  const { runHtml } = await import("./viewer/mod.ts");
  writeFileSync(flags.html, await runHtml(client, await resolveRunId(client, id)));
  return `wrote ${resolve(flags.html)}: the run's page, self-contained`;
}

async function artifacts(store: string, id: string, path: string | undefined): Promise<string> {
  const client = openStore(store);
  const runId = await resolveRunId(client, id);
  const entries = await client.listArtifacts(runId, path);
  if (entries.length === 0) {
    return path === undefined ? `run ${runId} has no artifacts` : `nothing below ${path}`;
  }
  return artifactTable(entries, columns());
}

async function sync(store: string, flags: Record<string, string>): Promise<string> {
  const to = flags.to;
  if (!to) throw new TrackingError("sync needs --to URI (an OICM API host or an MLflow server)");
  const fromEnv = process.env.OICM_TRACKING_API_KEY || process.env.MLFLOW_TRACKING_TOKEN ||
    undefined;
  const fromFlag = flags["api-key"] || undefined;
  if (fromFlag !== undefined) {
    console.error(
      "note: a key given with --api-key lands in your shell history (and in the command line " +
        "'deno task' prints); prefer OICM_TRACKING_API_KEY" +
        (fromEnv !== undefined ? ". The flag wins over the variable here." : ""),
    );
  }
  const apiKey = fromFlag ?? fromEnv;
  if (/\/api\/tracking\/?$/.test(to)) {
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
  const source = openStore(store);
  const progress = syncProgress({
    tty: process.stderr.isTTY === true,
    write: (text) => process.stderr.write(text),
  });
  try {
    const report = await source.sync({
      to: { apiHost: to, apiKey, workspaceId: flags.workspace },
      onProgress: (p) => progress.update(p),
      force: "force" in flags,
    });
    return `synced ${report.runs} run(s) to ${to}: ${report.created} created, ` +
      `${report.metrics} points, ${report.params} params, ${report.tags} tags, ` +
      `${report.artifacts} artifact file(s), ${report.ended} end(s) sent` +
      (report.refused > 0 ? `; ${report.refused} record(s) refused (see the notes above)` : "");
  } finally {
    progress.done();
  }
}

/**
 * Runs the command line with `args` and resolves to the exit code; output
 * goes to stdout, errors (never the API key) to stderr.
 *
 * @example
 * ```ts ignore
 * import { main } from "@oicm/tracking/cli";
 * const code = await main(["runs", "--store", "./mlruns"]);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const { positional, flags } = parse(args);
  const [command, arg, extra] = positional;
  const store = flags.store ?? "./mlruns";
  try {
    if (command === "runs") console.log(await runsTable(openStore(store), columns()));
    else if (command === "show" && arg) console.log(await show(store, arg, flags));
    else if (command === "artifacts" && arg) console.log(await artifacts(store, arg, extra));
    else if (command === "ui") await ui(flags);
    else if (command === "compare") {
      console.log(await compare(positional.slice(1), flags, columns()));
    } else if (command === "sync") console.log(await sync(arg ?? store, flags));
    else {
      console.error(USAGE);
      return 2;
    }
    return 0;
  } catch (err) {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

if ((import.meta as { main?: boolean }).main) process.exit(await main(process.argv.slice(2)));
