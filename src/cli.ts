/**
 * The command line: look at a local store and upload it.
 *
 * ```sh
 * deno run -A jsr:@oicm/tracking/cli runs [--store ./mlruns]
 * deno run -A jsr:@oicm/tracking/cli show RUN_ID [--store ./mlruns]
 * deno run -A jsr:@oicm/tracking/cli sync [STORE] --to URI [--workspace WS] [--api-key KEY]
 * ```
 *
 * `sync` reads the API key from `OICM_TRACKING_API_KEY` or `MLFLOW_TRACKING_TOKEN`
 * (or `--api-key`, which lands in shell history and in `deno task`'s echo of
 * the command line); it never prints it.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { TrackingClient, TrackingError } from "../mod.ts";
import type { RunRecord, SyncProgress } from "../mod.ts";

const USAGE = `usage:
  runs [--store DIR]                  experiments and runs, with params and latest metrics
  show RUN_ID [--store DIR]           one run, with a sparkline per metric
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

const BARS = "▁▂▃▄▅▆▇█";

/**
 * A one-line chart of values (up to `width` columns; NaN shows as a space).
 *
 * @example
 * ```ts
 * import { sparkline } from "@oicm/tracking/cli";
 * console.log(sparkline([3, 1, 2])); // "█▁▅"
 * ```
 */
export function sparkline(values: number[], width = 40): string {
  if (values.length === 0) return "";
  const picked = values.length <= width
    ? values
    : Array.from({ length: width }, (_, i) => values[Math.floor(i * values.length / width)]);
  const finite = picked.filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return picked.map((v) => {
    if (!Number.isFinite(v)) return " ";
    const i = hi === lo ? 3 : Math.round((v - lo) / (hi - lo) * (BARS.length - 1));
    return BARS[i];
  }).join("");
}

function duration(run: RunRecord): string {
  const end = run.info.endTime ?? Date.now();
  const s = Math.max(0, Math.round((end - run.info.startTime) / 1000));
  return s < 60
    ? `${s}s`
    : s < 3600
    ? `${Math.floor(s / 60)}m${s % 60}s`
    : `${(s / 3600).toFixed(1)}h`;
}

function fmt(v: number): string {
  return Number.isInteger(v)
    ? String(v)
    : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6
    ? v.toPrecision(4)
    : v.toExponential(2);
}

/**
 * Pads rows of cells into aligned columns.
 *
 * @example
 * ```ts
 * import { table } from "@oicm/tracking/cli";
 * console.log(table([["RUN", "LOSS"], ["a", "0.1"]]));
 * ```
 */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => [...(r[c] ?? "")].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd()).join(
    "\n",
  );
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

async function runsTable(client: TrackingClient): Promise<string> {
  const rows = [["EXPERIMENT", "RUN", "ID", "STATUS", "DURATION", "PARAMS", "METRICS"]];
  for (const exp of await client.searchExperiments()) {
    for (const run of await client.searchRuns({ experimentIds: [exp.experimentId] })) {
      const params = Object.entries(run.data.params).sort().slice(0, 4).map(([k, v]) =>
        `${k}=${v.slice(0, 16)}`
      );
      const metrics = Object.entries(run.data.metrics).sort().slice(0, 4).map(([k, v]) =>
        `${k}=${fmt(v)}`
      );
      rows.push([
        exp.name,
        run.info.runName,
        run.info.runId.slice(0, 8),
        run.info.status,
        duration(run),
        params.join(" "),
        metrics.join(" "),
      ]);
    }
  }
  return rows.length === 1 ? "no runs yet" : table(rows);
}

async function showRun(client: TrackingClient, id: string): Promise<string> {
  let runId = id;
  if (id.length < 32) {
    // A short id, as the runs table prints it.
    for (const exp of await client.searchExperiments({ viewType: "ALL" })) {
      const runs = await client.searchRuns({ experimentIds: [exp.experimentId], viewType: "ALL" });
      const hit = runs.find((r) => r.info.runId.startsWith(id));
      if (hit) runId = hit.info.runId;
    }
  }
  const run = await client.getRun(runId);
  const lines = [
    `run ${run.info.runName} (${run.info.runId})`,
    `  experiment ${run.info.experimentId}, ${run.info.status}, ${duration(run)}`,
  ];
  const params = Object.entries(run.data.params);
  if (params.length) lines.push("params:", ...params.map(([k, v]) => `  ${k} = ${v}`));
  const tags = Object.entries(run.data.tags).filter(([k]) => !k.startsWith("mlflow."));
  const oneLine = (v: string) => {
    const first = v.split("\n")[0];
    return first.length > 80 || first !== v ? `${first.slice(0, 80)} ...` : v;
  };
  if (tags.length) lines.push("tags:", ...tags.map(([k, v]) => `  ${k} = ${oneLine(v)}`));
  const keys = Object.keys(run.data.metrics);
  if (keys.length) lines.push("metrics:");
  const width = Math.max(0, ...keys.map((k) => k.length));
  for (const key of keys) {
    const history = await client.getMetricHistory(runId, key);
    const values = history.map((p) => p.value);
    lines.push(
      `  ${key.padEnd(width)}  ${sparkline(values)}  last ${
        fmt(values.at(-1)!)
      } (${values.length} points)`,
    );
  }
  return lines.join("\n");
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
  const tty = process.stdout.isTTY === true;
  const onProgress = (p: SyncProgress) => {
    if (tty) {
      process.stdout.write(`\r  ${p.runsDone}/${p.runsTotal} runs, ${p.pointsSent} points sent`);
    }
  };
  const report = await source.sync({
    to: { apiHost: to, apiKey, workspaceId: flags.workspace },
    onProgress,
    force: "force" in flags,
  });
  if (tty) process.stdout.write("\n");
  return `synced ${report.runs} run(s) to ${to}: ${report.created} created, ${report.metrics} points, ` +
    `${report.params} params, ${report.tags} tags, ${report.ended} end(s) sent`;
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
  const { positional: [command, arg], flags } = parse(args);
  const store = flags.store ?? "./mlruns";
  try {
    if (command === "runs") console.log(await runsTable(openStore(store)));
    else if (command === "show" && arg) console.log(await showRun(openStore(store), arg));
    else if (command === "sync") console.log(await sync(arg ?? store, flags));
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
