/**
 * Overload or refusal: what a failed answer means. A refusal names a record
 * (`INVALID_PARAMETER_VALUE`, a param the run has with another value, a key
 * MLflow's rules reject): sending it again cannot help. Overload says "not
 * now": 429, 502, 503, 504, timeouts, dropped connections, and MLflow's
 * answers that carry a database error. MLflow's SQL store turns every
 * SQLAlchemy error into an `MlflowException` (`mlflow/store/db/utils.py`,
 * `make_managed_session`): an `OperationalError` ("database is locked") as
 * `TEMPORARILY_UNAVAILABLE` (503) in MLflow 3, as `BAD_REQUEST` in older ones;
 * any other SQLAlchemy error, the pool's `TimeoutError` ("QueuePool limit of
 * size 5 overflow 10 reached, connection timed out, timeout 30.00") among
 * them, as `BAD_REQUEST` (400); errors inside `log_batch` as `INTERNAL_ERROR`
 * (500). Such a 400 is overload, not a refusal, even for a batch of one record.
 *
 * @module
 */

/** What a failed answer means: try later (`overload`) or never as it is (`refusal`). */
export type FailureKind = "overload" | "refusal";

/** Statuses that say "not now" whatever the body. */
const OVERLOAD_STATUSES = new Set([408, 429, 502, 503, 504]);

/** MLflow error codes that say "not now". */
const OVERLOAD_CODES = new Set([
  "TEMPORARILY_UNAVAILABLE",
  "REQUEST_LIMIT_EXCEEDED",
  "RESOURCE_EXHAUSTED",
  "DEADLINE_EXCEEDED",
  "COULD_NOT_ACQUIRE_LOCK",
]);

/**
 * Database errors as MLflow's SQL store words them (SQLAlchemy's and the
 * drivers' own texts): pool exhaustion, locks, lost or refused connections,
 * serialization failures.
 */
const DATABASE_BUSY =
  /QueuePool limit|connection timed out|database is locked|database table is locked|could not obtain lock|OperationalError|sqlalchemy\.exc\.TimeoutError|Lock wait timeout|deadlock detected|Deadlock found|too many connections|could not serialize access|server closed the connection|Lost connection to (?:MySQL|server)|canceling statement due to (?:statement|lock) timeout/i;

/**
 * Whether an answer's status, MLflow error code and message say the server
 * is overloaded (retry later) rather than refusing the request.
 */
export function classifyAnswer(
  status: number,
  code: string | undefined,
  message: string | undefined,
): FailureKind | undefined {
  if (OVERLOAD_STATUSES.has(status)) return "overload";
  if (code !== undefined && OVERLOAD_CODES.has(code)) return "overload";
  if ((status === 400 || status >= 500) && message !== undefined && DATABASE_BUSY.test(message)) {
    return "overload";
  }
  if (status >= 400 && status < 500) return "refusal";
  return undefined; // another server error: retried, but no sign of load
}

/**
 * One answer (or its absence) as a sign of the server's load, told to
 * {@linkcode LoadObserver}s after each attempt.
 */
export interface LoadSignal {
  /** True when the attempt met overload (see {@linkcode classifyAnswer}, timeouts, drops). */
  overloaded: boolean;
  /** When the attempt started (ms since the epoch). */
  startedAt: number;
  /** How long the attempt took, in ms. */
  latencyMs: number;
  /** The route asked (`runs/log-batch`, `artifacts/...`). */
  route: string;
  /** The server answered 2xx: only such answers time the server's queue. */
  ok?: boolean;
  /** The size of a JSON body sent (characters), when it had one. */
  bytes?: number;
  /** The overload's words, for a notice (no secrets: already scrubbed). */
  reason?: string;
  /** The request gave up (its retry budget spent): what follows goes to the spool, not the server. */
  gaveUp?: boolean;
}

/**
 * Told of every attempt's {@linkcode LoadSignal}; a client's pacing uses it.
 */
export type LoadObserver = (signal: LoadSignal) => void;
