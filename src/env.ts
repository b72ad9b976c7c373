/**
 * Reading client options from the environment, as OICM's and MLflow's Python
 * clients do. Synchronous: it only reads variables.
 *
 * @module
 */
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { TrackingClientOptions } from "./options.ts";

/** Reads a variable; `undefined` when unset, empty, or not readable (Deno without --allow-env). */
function read(name: string): string | undefined {
  try {
    const value = process.env[name];
    return value === undefined || value === "" ? undefined : value;
  } catch {
    return undefined;
  }
}

function base64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

/**
 * Client options from `OICM_*` / `OIP_*` or `MLFLOW_*` variables, overridden
 * by `overrides`; with no server configured, offline into `./mlruns` (or the
 * path of a `file:` `MLFLOW_TRACKING_URI`).
 */
export function clientFromEnv(
  overrides: Partial<TrackingClientOptions> = {},
): TrackingClientOptions {
  if (/^(true|1)$/i.test(read("MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING") ?? "")) {
    overrides = { logSystemMetrics: true, ...overrides };
  }
  const oicmHost = read("OICM_TRACKING_API_HOST") ?? read("OIP_TRACKING_SERVER");
  if (
    !overrides.offline && (oicmHost !== undefined || overrides.apiHost?.endsWith("/api/tracking"))
  ) {
    const options: TrackingClientOptions = { apiHost: oicmHost ?? "" };
    const apiKey = read("OICM_TRACKING_API_KEY") ?? read("OIP_WORKLOAD_ACCESS_KEY");
    if (apiKey) options.apiKey = apiKey;
    const workspaceId = read("OICM_WORKSPACE_ID");
    if (workspaceId) options.workspaceId = workspaceId;
    const workloadId = read("OIP_WORKLOAD_ID");
    if (workloadId) options.workloadId = workloadId;
    return { ...options, ...overrides };
  }
  const uri = overrides.apiHost ?? read("MLFLOW_TRACKING_URI");
  if (overrides.offline || uri === undefined || !/^https?:\/\//.test(uri)) {
    // No server configured, or a local store (`file:<path>`, `file:///abs`, a bare path).
    const storagePath = uri === undefined
      ? "./mlruns"
      : uri.startsWith("file://")
      ? fileURLToPath(uri)
      : uri.replace(/^file:/, "");
    const { apiHost: _, ...rest } = overrides;
    return { offline: true, storagePath, ...rest };
  }
  const options: TrackingClientOptions = { apiHost: uri };
  const token = read("MLFLOW_TRACKING_TOKEN");
  const user = read("MLFLOW_TRACKING_USERNAME");
  const password = read("MLFLOW_TRACKING_PASSWORD");
  if (token) options.apiKey = token;
  else if (user && password) {
    options.headers = { Authorization: `Basic ${base64(`${user}:${password}`)}` };
  }
  return { ...options, ...overrides };
}
