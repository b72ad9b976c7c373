/**
 * `sync [DIR] --to URI`: uploads a local store (or a spool) to a server, with
 * progress; the key from the environment goes only to the kind of host it
 * was set for.
 *
 * @module
 */
import process from "node:process";
import { credentialsFromEnv, TrackingError } from "../../mod.ts";
import { type Command, type ParsedArgs, UsageError } from "./args.ts";
import { printable } from "./format.ts";
import { syncProgress } from "./progress.ts";
import { notice, openStore } from "./source.ts";

/** Whether `to` is an OICM API host (its path ends in /api/tracking). */
const isOicm = (to: string) => /\/api\/tracking\/?$/.test(to);

async function runSync({ positional: [dir], flags }: ParsedArgs): Promise<string> {
  const to = flags.to;
  if (!to) {
    throw new UsageError("sync needs --to URI (an OICM API host or an MLflow server)", "sync");
  }
  // A key read from the environment goes only to the host it was read with (one rule, the
  // library's: the OICM key never to a plain MLflow server, MLflow's token only to its URI).
  const env = credentialsFromEnv(to);
  const fromEnv = env.apiKey ?? env.headers?.Authorization;
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
        "syncing to OICM needs an API key: set OICM_TRACKING_API_KEY (or pass --api-key KEY)" +
          (env.withheld.length > 0 ? `; ${env.withheld.join("; ")}` : ""),
      );
    }
  } else if (fromFlag === undefined) {
    for (const note of env.withheld) console.error(`note: ${printable(note)}`);
  }
  const source = openStore(dir ?? flags.store ?? "./mlruns");
  const progress = syncProgress({
    tty: process.stderr.isTTY === true,
    write: (text) => process.stderr.write(text),
  });
  try {
    const report = await source.sync({
      to: {
        apiHost: to,
        ...(fromFlag === undefined ? { apiKey: env.apiKey, headers: env.headers } : { apiKey }),
        workspaceId: flags.workspace,
        onNotice: notice, // a server's words, escaped
      },
      onProgress: (p) => progress.update(p),
      force: flags.force === "true",
    });
    const sent = report.created + report.metrics + report.params + report.tags +
      report.artifacts + report.ended + report.refused + report.models;
    if (sent === 0) {
      return report.runs === 0
        ? "nothing to send: the store has no runs"
        : `nothing to send: ${report.runs} run(s) already on ${to}, up to date`;
    }
    return `synced ${report.runs} run(s) to ${to}: ${report.created} created, ` +
      `${report.metrics} points, ${report.params} params, ${report.tags} tags, ` +
      `${report.artifacts} artifact file(s), ${report.models} model(s), ${report.ended} end(s) sent` +
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
