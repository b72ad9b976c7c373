/**
 * Which credentials read from the environment go to a server: a key belongs
 * to the host it was read with. The OICM key (`OICM_TRACKING_API_KEY`, or the
 * Python client's `OIP_WORKLOAD_ACCESS_KEY`) goes to the OICM host the
 * environment names (`OICM_TRACKING_API_HOST` / `OIP_TRACKING_SERVER`, same
 * origin), or, when none is named, to an OICM host (ending in
 * `/api/tracking`); never to a plain MLflow server. MLflow's
 * `MLFLOW_TRACKING_TOKEN` (or `MLFLOW_TRACKING_USERNAME`/`PASSWORD`) goes to
 * `MLFLOW_TRACKING_URI`'s origin, or, when no server URI is set, to a plain
 * MLflow server; never to an OICM host. `fromEnv()`, the constructor's
 * `OIP_*` fallback and the CLI's `sync` all ask here.
 *
 * @module
 */
import { peekEnv } from "../core/peek_env.ts";
import { OICM_HOST_SUFFIX } from "../http/routes.ts";

/**
 * The credentials from the environment that belong to one server.
 *
 * @example
 * ```ts
 * import type { EnvCredentials } from "@oicm/tracking";
 * const none: EnvCredentials = { withheld: [] };
 * ```
 */
export interface EnvCredentials {
  /** The key to send as `Authorization: Bearer <apiKey>`, when one belongs to the server. */
  apiKey?: string;
  /** Or a Basic `Authorization` header (MLflow's username and password). */
  headers?: Record<string, string>;
  /** Why credentials that are set were not given to this server (names variables, never values). */
  withheld: string[];
}

/** Reads one variable: `undefined` when unset or empty. */
export type EnvReader = (name: string) => string | undefined;

/** Whether a host is an OICM API host (its path ends in `/api/tracking`). */
export function isOicmHost(apiHost: string): boolean {
  return apiHost.replace(/\/+$/, "").replace(/\/api\/2\.0\/mlflow$/, "").endsWith(
    OICM_HOST_SUFFIX,
  );
}

function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a credential read with `boundHost` (the host variable set beside
 * it, if any) may go to `apiHost`: the same origin when a host was named,
 * else any host of the credential's kind.
 */
export function belongsTo(
  apiHost: string,
  boundHost: string | undefined,
  kind: "oicm" | "mlflow",
): boolean {
  if (boundHost !== undefined) {
    const bound = originOf(boundHost);
    return bound !== undefined && bound === originOf(apiHost);
  }
  return isOicmHost(apiHost) === (kind === "oicm");
}

function base64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

/** Why a key set in `variable` is not sent to `apiHost`. */
function withheldNote(
  variable: string,
  apiHost: string,
  hostVariable: string | undefined,
  boundHost: string | undefined,
  kind: "oicm" | "mlflow",
): string {
  const target = originOf(apiHost) ?? "this server";
  if (boundHost !== undefined) {
    return `${variable} is not sent to ${target}: it belongs to ${
      originOf(boundHost) ?? boundHost
    } (${hostVariable})`;
  }
  return kind === "oicm"
    ? `${variable} is not sent to ${target}: it is an OICM key, and ${target} is no OICM host`
    : `${variable} is not sent to ${target}: it is for an MLflow server, and ${target} is an OICM host`;
}

/**
 * The variable naming the OICM host both OICM keys belong to:
 * `OICM_TRACKING_API_HOST`, else `OIP_TRACKING_SERVER`, else none (then they
 * belong to any OICM host).
 */
export function oicmHostVariable(read: EnvReader = peekEnv): string | undefined {
  return ["OICM_TRACKING_API_HOST", "OIP_TRACKING_SERVER"].find((n) => read(n) !== undefined);
}

/**
 * The credentials set in the environment that belong to `apiHost` (see the
 * module doc), with notes on the ones withheld. The OICM key comes first on
 * an OICM host, MLflow's token (then username and password) on another.
 */
export function envCredentialsFor(apiHost: string, read: EnvReader = peekEnv): EnvCredentials {
  const out: EnvCredentials = { withheld: [] };
  const oicmHostVar = oicmHostVariable(read);
  const oicmHost = oicmHostVar === undefined ? undefined : read(oicmHostVar);
  const mlflowUri = read("MLFLOW_TRACKING_URI");
  const mlflowHost = mlflowUri !== undefined && originOf(mlflowUri) !== undefined
    ? mlflowUri
    : undefined;
  const notes: string[] = [];
  const oicm = (): boolean => {
    for (const variable of ["OICM_TRACKING_API_KEY", "OIP_WORKLOAD_ACCESS_KEY"]) {
      const key = read(variable);
      if (key === undefined) continue;
      if (belongsTo(apiHost, oicmHost, "oicm")) {
        out.apiKey = key;
        return true;
      }
      notes.push(withheldNote(variable, apiHost, oicmHostVar, oicmHost, "oicm"));
      return false;
    }
    return false;
  };
  const mlflow = (): boolean => {
    const token = read("MLFLOW_TRACKING_TOKEN");
    const user = read("MLFLOW_TRACKING_USERNAME");
    const password = read("MLFLOW_TRACKING_PASSWORD");
    const variable = token !== undefined
      ? "MLFLOW_TRACKING_TOKEN"
      : user !== undefined && password !== undefined
      ? "MLFLOW_TRACKING_USERNAME/PASSWORD"
      : undefined;
    if (variable === undefined) return false;
    if (!belongsTo(apiHost, mlflowHost, "mlflow")) {
      notes.push(withheldNote(variable, apiHost, "MLFLOW_TRACKING_URI", mlflowHost, "mlflow"));
      return false;
    }
    if (token !== undefined) out.apiKey = token;
    else out.headers = { Authorization: `Basic ${base64(`${user}:${password}`)}` };
    return true;
  };
  const found = isOicmHost(apiHost) ? oicm() || mlflow() : mlflow() || oicm();
  if (!found) out.withheld = notes;
  return out;
}

/**
 * The credentials set in the environment that belong to `apiHost`: a key
 * belongs to the host it was read with. The OICM key (`OICM_TRACKING_API_KEY`
 * or `OIP_WORKLOAD_ACCESS_KEY`) goes only to the OICM host the environment
 * names (or to an OICM host when none is named), MLflow's
 * `MLFLOW_TRACKING_TOKEN` or username and password only to
 * `MLFLOW_TRACKING_URI`'s origin (or to a plain MLflow server when it names
 * none). `withheld` says, without the values, what was set and not given.
 *
 * @example
 * ```ts
 * import { credentialsFromEnv, TrackingClient } from "@oicm/tracking";
 * const apiHost = "http://127.0.0.1:5000";
 * const { apiKey, headers, withheld } = credentialsFromEnv(apiHost);
 * for (const note of withheld) console.warn(note);
 * const client = new TrackingClient({ apiHost, apiKey, headers });
 * ```
 */
export function credentialsFromEnv(apiHost: string): EnvCredentials {
  return envCredentialsFor(apiHost, peekEnv);
}
