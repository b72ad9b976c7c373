/**
 * The check OICM's Python v2 client makes before its first request to an OICM
 * host: `GET {apiHost}/liveness`, then `GET {apiHost}/version`, which must be
 * at least 1.13.0 (`v2/helpers/version_compatibility.py`). A failure is one
 * clear error naming the host and the cause: unreachable, too old, or a 404
 * (a wrong host, or an OICM older than 1.13.0).
 *
 * @module
 */
import { z } from "zod";
import { NotFoundError, TrackingError, UnavailableError } from "../core/errors.ts";
import type { Transport } from "../http/transport.ts";

/** The oldest OICM Tracking this client works with, as the Python v2 client 1.0.0 requires. */
export const MIN_OICM_VERSION = "1.13.0";

/** What a health check found. */
export interface HealthReport {
  /** Which kind of server answered. */
  kind: "oicm" | "mlflow" | "offline";
  /** Its address (or the store's directory). */
  host: string;
  /** The version it reports, when it does. */
  version?: string;
}

const versionAnswer = z.object({ version: z.string().optional() }).passthrough();

function parts(version: string): number[] {
  return version.split(".").map(Number);
}

/** Whether `a` is an older semantic version than `b`. */
export function olderThan(a: string, b: string): boolean {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] < y[i];
  return false;
}

/**
 * Checks an OICM host as the Python v2 client does; resolves to its version.
 * `notify` hears of a version that is not `<major>.<minor>.<patch>` (then no
 * compatibility rule applies, as in Python).
 */
export async function checkOicmHost(
  transport: Transport,
  apiHost: string,
  notify: (message: string) => void,
): Promise<HealthReport> {
  try {
    await transport.getJson("liveness", `${apiHost}/liveness`, z.unknown());
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new TrackingError(
        `${apiHost} is not an OICM Tracking host: GET ${apiHost}/liveness answered 404 ` +
          `(check apiHost: it is the platform's address followed by /api/tracking)`,
        { code: "NOT_OICM", status: 404, route: "liveness", cause: err },
      );
    }
    const code = (err as TrackingError).code;
    const why = err instanceof UnavailableError || code === "NETWORK_ERROR" || code === "TIMEOUT"
      ? "unreachable"
      : "not healthy";
    throw new TrackingError(
      `OICM Tracking at ${apiHost} is ${why}: ${(err as Error).message}`,
      { code: (err as TrackingError).code ?? "UNAVAILABLE", route: "liveness", cause: err },
    );
  }
  let version: string | undefined;
  try {
    version = (await transport.getJson("version", `${apiHost}/version`, versionAnswer)).version
      ?.trim();
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new TrackingError(
        `${apiHost} has no /version (404): it is an OICM older than ${MIN_OICM_VERSION}, which ` +
          `this client does not support (as OICM's Python client 1.0.0), or not an OICM host`,
        { code: "OICM_TOO_OLD", status: 404, route: "version", cause: err },
      );
    }
    throw err;
  }
  if (version === undefined || version === "") {
    throw new TrackingError(`${apiHost}/version did not name a version`, {
      code: "MALFORMED_RESPONSE",
      route: "version",
    });
  }
  if (!/^\d+\.\d+\.\d+$/.test(version)) {
    notify(
      `OICM at ${apiHost} reports version '${version}', not <major>.<minor>.<patch>: ` +
        `no compatibility check (expected only outside production)`,
    );
  } else if (olderThan(version, MIN_OICM_VERSION)) {
    throw new TrackingError(
      `OICM ${version} at ${apiHost} is older than ${MIN_OICM_VERSION}, the oldest this client ` +
        `works with (as OICM's Python client 1.0.0)`,
      { code: "OICM_TOO_OLD", route: "version" },
    );
  }
  return { kind: "oicm", host: apiHost, version };
}
