/**
 * Where the read commands (`runs`, `show`, `artifacts`) read from: a local
 * store folder (`--store DIR`), a server (`--from URL`), or, with neither, the
 * environment the library itself reads (`MLFLOW_TRACKING_URI`,
 * `OICM_TRACKING_API_HOST`, ...) and else `./mlruns`. A server is reached
 * through `TrackingClient.fromEnv`, so its key comes with the library's rules.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { TrackingClient, TrackingError } from "../../mod.ts";
import { printable } from "./format.ts";

/** The flags that choose a source. */
export interface SourceFlags {
  /** A local MLflow FileStore folder. */
  store?: string;
  /** A server: an MLflow tracking URI or an OICM API host (`https://host/api/tracking`). */
  from?: string;
  /** The OICM workspace to read (else `OICM_WORKSPACE_ID`). */
  workspace?: string;
}

/**
 * Prints a notice of the library (it may quote a server's words) on stderr,
 * escaped as everything the CLI prints.
 *
 * @example
 * ```ts ignore
 * new TrackingClient({ apiHost, onNotice: notice });
 * ```
 */
export const notice = (message: string) => console.error(`note: ${printable(message)}`);

/** A variable, or undefined when unset, empty or not readable (Deno without --allow-env). */
function env(name: string): string | undefined {
  try {
    return process.env[name] || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A local store as an offline client, after checking it is one.
 *
 * @example
 * ```ts ignore
 * const client = openStore("./mlruns"); // "no store at ./mlruns" when there is none
 * ```
 */
export function openStore(path: string): TrackingClient {
  if (!existsSync(path)) {
    throw new TrackingError(`no store at ${path} (nothing was recorded there yet?)`);
  }
  if (!existsSync(join(path, "0", "meta.yaml")) && !existsSync(join(path, ".trash"))) {
    throw new TrackingError(
      `${path} is not an MLflow FileStore (no Default experiment, no .trash)`,
    );
  }
  return new TrackingClient({ offline: true, storagePath: path, onNotice: notice });
}

/** A `file:` URI or a bare path as a folder path; undefined for an http(s) URL. */
function localPath(uri: string): string | undefined {
  if (/^https?:\/\//i.test(uri)) return undefined;
  return uri.startsWith("file://") ? fileURLToPath(uri) : uri.replace(/^file:/, "");
}

/** A server as a client, its key and workspace read from the environment by the library. */
async function openServer(url: string, workspace: string | undefined): Promise<TrackingClient> {
  const client = TrackingClient.fromEnv({
    apiHost: url,
    onNotice: notice,
    logSystemMetrics: false,
    ...(workspace !== undefined ? { workspaceId: workspace } : {}),
  });
  try {
    await client.healthCheck();
  } catch (err) {
    await client.close().catch(() => {});
    throw err;
  }
  return client;
}

/**
 * Opens what a read command reads: `--store DIR` (a local folder), `--from
 * URL` (a server, or a `file:` URI), or else what the environment names
 * (`OICM_TRACKING_API_HOST`, `MLFLOW_TRACKING_URI`), else `./mlruns`.
 *
 * @example
 * ```ts ignore
 * const client = await openSource({ from: "http://127.0.0.1:5000" });
 * console.log(await client.searchExperiments());
 * await client.close();
 * ```
 */
export async function openSource(flags: SourceFlags): Promise<TrackingClient> {
  if (flags.store !== undefined && flags.from !== undefined) {
    throw new TrackingError("give --store DIR or --from URL, not both");
  }
  if (flags.store !== undefined) return openStore(flags.store);
  if (flags.from !== undefined) {
    const path = localPath(flags.from);
    return path !== undefined ? openStore(path) : await openServer(flags.from, flags.workspace);
  }
  const host = env("OICM_TRACKING_API_HOST") ?? env("OIP_TRACKING_SERVER");
  if (host !== undefined) return await openServer(host, flags.workspace);
  const uri = env("MLFLOW_TRACKING_URI");
  if (uri !== undefined) {
    const path = localPath(uri);
    return path !== undefined ? openStore(path) : await openServer(uri, flags.workspace);
  }
  return openStore("./mlruns");
}

/** The flags every read command takes: where to read (`--store`, `--from`, `--workspace`). */
export const SOURCE_FLAGS = { store: "value", from: "value", workspace: "value" } as const;

/**
 * Opens the source `flags` name, runs `work` on it, and closes it.
 *
 * @example
 * ```ts ignore
 * const n = await withSource({ from: "http://127.0.0.1:5000" }, async (c) => (await c.searchExperiments()).length);
 * ```
 */
export async function withSource<T>(
  flags: SourceFlags,
  work: (client: TrackingClient) => Promise<T>,
): Promise<T> {
  const client = await openSource(flags);
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

/**
 * The source `flags` name, for a person to read: a folder, or a server's URL
 * without its user, password or query (where keys hide).
 *
 * @example
 * ```ts ignore
 * sourceLabel({ from: "https://host/api/tracking?x=1" }); // "https://host/api/tracking"
 * ```
 */
export function sourceLabel(flags: SourceFlags): string {
  const bare = (url: string) => {
    try {
      const u = new URL(url);
      return `${u.protocol}//${u.host}${u.pathname}`;
    } catch {
      return "a server";
    }
  };
  if (flags.from !== undefined) return bare(flags.from);
  if (flags.store !== undefined) return flags.store;
  const server = env("OICM_TRACKING_API_HOST") ?? env("OIP_TRACKING_SERVER") ??
    (/^https?:/.test(env("MLFLOW_TRACKING_URI") ?? "") ? env("MLFLOW_TRACKING_URI") : undefined);
  return server !== undefined ? bare(server) : "./mlruns";
}
