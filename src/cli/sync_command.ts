/**
 * `sync [DIR] --to URI`: uploads a local store (or a spool) to a server, with
 * progress; the key from the environment goes only to the kind of host it
 * was set for.
 *
 * @module
 */
import process from "node:process";
import { TrackingError } from "../../mod.ts";
import { type Command, type ParsedArgs, UsageError } from "./args.ts";
import { syncProgress } from "./progress.ts";
import { openStore } from "./source.ts";

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

async function runSync({ positional: [dir], flags }: ParsedArgs): Promise<string> {
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

/** `sync [DIR] --to URI [--workspace WS] [--force]`. */
export const sync: Command = {
  synopsis: "sync [DIR] --to URI [--workspace WS] [--force]",
  summary: "upload a local store (or a spool) to a server; --force sends every run\n" +
    "again, as new runs. The key: OICM_TRACKING_API_KEY (OICM) or MLFLOW_TRACKING_TOKEN\n" +
    "(MLflow); --api-key KEY works too but lands in your shell history",
  args: ["DIR"],
  required: 0,
  flags: { to: "value", workspace: "value", force: "switch", "api-key": "value", store: "value" },
  run: runSync,
};
