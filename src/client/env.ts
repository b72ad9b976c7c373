/**
 * Reading client options from the environment, as OICM's and MLflow's Python
 * clients do. Synchronous: it only reads variables. Never silent about what
 * it decided: choosing offline is said once (where, and which variables would
 * name a server), a variable with our prefixes that nothing reads is named
 * (with the name it probably meant), and an environment the runtime will not
 * let us read is an error naming `--allow-env`.
 *
 * @module
 */
import { resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { TrackingError } from "../core/errors.ts";
import { envCredentialsFor, isOicmHost } from "./env_credentials.ts";
import type { TrackingClientOptions } from "./options.ts";

/** Every variable this package reads. */
export const ENV_VARIABLES = [
  "OICM_TRACKING_API_HOST",
  "OICM_TRACKING_API_KEY",
  "OICM_WORKSPACE_ID",
  "OIP_TRACKING_SERVER",
  "OIP_WORKLOAD_ACCESS_KEY",
  "OIP_WORKLOAD_ID",
  "OIP_OFFLINE_MODE",
  "MLFLOW_TRACKING_URI",
  "MLFLOW_TRACKING_TOKEN",
  "MLFLOW_TRACKING_USERNAME",
  "MLFLOW_TRACKING_PASSWORD",
  "MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING",
  "MLFLOW_SYSTEM_METRICS_NODE_ID",
  "MLFLOW_EXPERIMENT_NAME",
  "MLFLOW_EXPERIMENT_ID",
  "MLFLOW_RUN_ID",
] as const;

/** Prefixes of ours: a variable with one that is not in {@linkcode ENV_VARIABLES} is a likely typo. */
const OUR_PREFIXES = ["OICM_", "OIP_", "MLFLOW_TRACKING_"];

function isPermissionError(err: unknown): boolean {
  return err instanceof Error && (err.name === "NotCapable" || err.name === "PermissionDenied");
}

/** What the variables read first are for, said when they cannot be read. */
const WHY: Record<string, string> = {
  OICM_TRACKING_API_HOST: ", which says where to record (else MLFLOW_TRACKING_URI, else ./mlruns)",
};

/** Reads a variable; `undefined` when unset or empty. Deno without `--allow-env` is an error. */
function read(name: string): string | undefined {
  let value: string | undefined;
  try {
    value = process.env[name];
  } catch (err) {
    if (!isPermissionError(err)) throw err;
    throw new TrackingError(
      `TrackingClient.fromEnv() cannot read ${name}${WHY[name] ?? ""}: run with --allow-env, ` +
        `or build the client with new TrackingClient({ ... }) instead`,
      { code: "PERMISSION_DENIED", cause: err },
    );
  }
  return value === undefined || value === "" ? undefined : value;
}

/** Edit distance, to name the variable a misspelled one probably meant. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = up;
    }
  }
  return row[b.length];
}

/** Variables with our prefixes that nothing reads, each with the name it probably meant. */
function unreadVariables(): string[] {
  let names: string[];
  try {
    names = Object.keys(process.env);
  } catch {
    return []; // only some variables may be read (--allow-env=A,B): no way to list the rest
  }
  const known = new Set<string>(ENV_VARIABLES);
  return names.filter((n) => OUR_PREFIXES.some((p) => n.startsWith(p)) && !known.has(n))
    .map((n) => {
      const nearest = [...known].sort((a, b) => distance(n, a) - distance(n, b))[0];
      return distance(n, nearest) <= 3 ? `${n} (did you mean ${nearest}?)` : n;
    });
}

/** Options read from the environment, and what the client should say about them. */
export interface EnvReading {
  /** The client's options. */
  options: TrackingClientOptions;
  /** Notices to give once: the offline choice, variables nothing reads. */
  notices: string[];
}

/**
 * Client options from `OICM_*` / `OIP_*` or `MLFLOW_*` variables, overridden
 * by `overrides`; with no server configured, offline into `./mlruns` (or the
 * path of a `file:` `MLFLOW_TRACKING_URI`), with the notices to give.
 */
export function readEnv(overrides: Partial<TrackingClientOptions> = {}): EnvReading {
  const notices: string[] = [];
  // Read first, so that a missing --allow-env names what it costs: knowing where to record.
  read("OICM_TRACKING_API_HOST");
  const unread = unreadVariables();
  if (unread.length > 0) {
    notices.push(`set but read by nothing: ${unread.join(", ")}`);
  }
  if (/^(true|1)$/i.test(read("MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING") ?? "")) {
    overrides = { logSystemMetrics: true, ...overrides };
  }
  if (/^(true|1)$/i.test(read("OIP_OFFLINE_MODE") ?? "")) {
    overrides = { offline: true, ...overrides };
  }
  // Where runs go and which run workers attach to, as MLflow's fluent API reads them.
  const mlflowRun: Partial<TrackingClientOptions> = {};
  const experimentName = read("MLFLOW_EXPERIMENT_NAME");
  if (experimentName) mlflowRun.experimentName = experimentName;
  const experimentId = read("MLFLOW_EXPERIMENT_ID");
  if (experimentId) mlflowRun.experimentId = experimentId;
  const runId = read("MLFLOW_RUN_ID");
  if (runId) mlflowRun.runId = runId;
  const nodeId = read("MLFLOW_SYSTEM_METRICS_NODE_ID");
  if (nodeId) mlflowRun.systemMetrics = { nodeId, ...overrides.systemMetrics };
  overrides = {
    ...mlflowRun,
    ...overrides,
    ...(nodeId ? { systemMetrics: mlflowRun.systemMetrics } : {}),
  };
  const oicmHost = read("OICM_TRACKING_API_HOST") ?? read("OIP_TRACKING_SERVER");
  const fromOicm = overrides.apiHost === undefined && oicmHost !== undefined;
  const uri = overrides.apiHost ?? oicmHost ?? read("MLFLOW_TRACKING_URI");
  if (overrides.offline || uri === undefined || (!fromOicm && !/^https?:\/\//.test(uri))) {
    // No server configured, or a local store (`file:<path>`, `file:///abs`, a bare path).
    const storagePath = overrides.storagePath ??
      (uri === undefined
        ? "./mlruns"
        : uri.startsWith("file://")
        ? fileURLToPath(uri)
        : uri.replace(/^file:/, ""));
    if (uri === undefined && !overrides.offline) {
      notices.push(
        `no tracking server configured: recording offline into ${resolve(storagePath)} ` +
          `(set OICM_TRACKING_API_HOST, or MLFLOW_TRACKING_URI, to record to a server)`,
      );
    }
    const { apiHost: _, ...rest } = overrides;
    return { options: { offline: true, ...rest, storagePath }, notices };
  }
  const options: TrackingClientOptions = { apiHost: uri };
  // OICM's workspace and workload go with the OICM host the environment names, or an OICM host given.
  if (fromOicm || isOicmHost(uri)) {
    const workspaceId = read("OICM_WORKSPACE_ID");
    if (workspaceId) options.workspaceId = workspaceId;
    const workloadId = read("OIP_WORKLOAD_ID");
    if (workloadId) options.workloadId = workloadId;
  }
  // A key read from the environment goes only to the host it was read with.
  const credentials = envCredentialsFor(uri, read);
  if (credentials.apiKey !== undefined) options.apiKey = credentials.apiKey;
  if (credentials.headers !== undefined) options.headers = credentials.headers;
  const given = overrides.apiKey !== undefined || overrides.headers?.Authorization !== undefined;
  if (!given) notices.push(...credentials.withheld);
  return { options: { ...options, ...overrides }, notices };
}

/** {@linkcode readEnv}'s options alone. */
export function clientFromEnv(
  overrides: Partial<TrackingClientOptions> = {},
): TrackingClientOptions {
  return readEnv(overrides).options;
}
