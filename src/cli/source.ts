/**
 * Where a command reads runs from: an offline store folder (`--store DIR`),
 * a server (`--from URL`, with the key from the environment), or, with
 * neither, the server the environment names, else `./mlruns`.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { TrackingClient, TrackingError } from "../../mod.ts";

/**
 * A client reading from the source the flags name.
 *
 * @example
 * ```ts ignore
 * const client = await openSource({ store: "./mlruns" });
 * ```
 */
export function openSource(
  flags: { store?: string; from?: string; workspace?: string },
): Promise<TrackingClient> {
  const onNotice = (message: string) => console.error(`note: ${message}`);
  if (flags.from !== undefined && flags.store !== undefined) {
    return Promise.reject(new TrackingError("give --store DIR or --from URL, not both"));
  }
  if (flags.from !== undefined) {
    if (!/^https?:\/\/[^\s]+$/.test(flags.from)) {
      return Promise.reject(new TrackingError(`--from needs an http(s) URL, not ${flags.from}`));
    }
    const apiKey = process.env.OICM_TRACKING_API_KEY || process.env.MLFLOW_TRACKING_TOKEN ||
      undefined;
    const workspaceId = flags.workspace ?? (process.env.OICM_WORKSPACE_ID || undefined);
    return Promise.resolve(
      new TrackingClient({ apiHost: flags.from, apiKey, workspaceId, onNotice }),
    );
  }
  const env = process.env;
  const serverInEnv = env.OICM_TRACKING_API_HOST || env.OIP_TRACKING_SERVER ||
    /^https?:/.test(env.MLFLOW_TRACKING_URI ?? "");
  if (flags.store === undefined && serverInEnv) {
    return Promise.resolve(TrackingClient.fromEnv({ onNotice }));
  }
  const path = flags.store ?? "./mlruns";
  if (!existsSync(path)) {
    return Promise.reject(
      new TrackingError(`no store at ${path} (nothing was recorded there yet?)`),
    );
  }
  if (!existsSync(join(path, "0", "meta.yaml")) && !existsSync(join(path, ".trash"))) {
    return Promise.reject(
      new TrackingError(`${path} is not an MLflow FileStore (no Default experiment, no .trash)`),
    );
  }
  return Promise.resolve(new TrackingClient({ offline: true, storagePath: path, onNotice }));
}

/**
 * Where the source is, for a page or a log line: a folder or a server address, never a key.
 *
 * @example
 * ```ts ignore
 * sourceLabel({ from: "https://host/api/tracking?x=1" }); // "https://host/api/tracking"
 * ```
 */
export function sourceLabel(flags: { store?: string; from?: string }): string {
  const bare = (url: string) => {
    try {
      const u = new URL(url); // no user, password or query: they may hold a secret
      return `${u.protocol}//${u.host}${u.pathname}`;
    } catch {
      return "a server";
    }
  };
  if (flags.from !== undefined) return bare(flags.from);
  if (flags.store !== undefined) return flags.store;
  const env = process.env;
  const server = env.OICM_TRACKING_API_HOST || env.OIP_TRACKING_SERVER ||
    (/^https?:/.test(env.MLFLOW_TRACKING_URI ?? "") ? env.MLFLOW_TRACKING_URI : undefined);
  return server ? bare(server) : "./mlruns";
}
