/**
 * The error classes every failure of the client is reported with.
 *
 * All share one base, {@linkcode TrackingError}, which carries the server's
 * `error_code` (when there was a server answer), the HTTP status and the route.
 * None of them ever holds the API key: messages are built from routes and server
 * messages only, and every credential the client sends is scrubbed from
 * anything that came back (see `secrets.ts`).
 *
 * @module
 */

/**
 * What every error of this package carries besides its message.
 *
 * @example
 * ```ts
 * import type { TrackingErrorInit } from "@oicm/tracking";
 * const init: TrackingErrorInit = { code: "RESOURCE_DOES_NOT_EXIST", status: 404, route: "runs/get" };
 * ```
 */
export interface TrackingErrorInit {
  /** MLflow `error_code` such as `RESOURCE_DOES_NOT_EXIST`, or a local code. */
  code?: string;
  /** HTTP status of the answer that failed, when there was one. */
  status?: number;
  /** The API route, such as `runs/log-batch`, when a request was involved. */
  route?: string;
  /** The underlying error, with any secret already scrubbed. */
  cause?: unknown;
}

/**
 * Base class of every error this package throws or reports.
 *
 * @example Telling errors apart
 * ```ts
 * import { TrackingError, NotFoundError } from "@oicm/tracking";
 * const err: unknown = new NotFoundError("run abc not found", { route: "runs/get" });
 * if (err instanceof TrackingError) console.log(err.code, err.status, err.route);
 * console.log(err instanceof NotFoundError); // true
 * ```
 */
export class TrackingError extends Error {
  /** MLflow `error_code`, or a local code such as `VALIDATION_ERROR`. */
  readonly code: string;
  /** HTTP status of the failed answer, when there was one. */
  readonly status?: number;
  /** The API route involved, when a request was involved. */
  readonly route?: string;

  /** Builds an error; `init.code` defaults to `TRACKING_ERROR`. */
  constructor(message: string, init: TrackingErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.code = init.code ?? "TRACKING_ERROR";
    if (init.status !== undefined) this.status = init.status;
    if (init.route !== undefined) this.route = init.route;
  }

  /** A plain object for `JSON.stringify`: name, message, code, status and route. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      code: this.code,
      status: this.status,
      route: this.route,
    };
  }
}

/**
 * Bad input found before any request: a malformed key, a value over MLflow's
 * limits, a non-integer step, a param re-logged with another value, a missing
 * active run or experiment.
 *
 * @example
 * ```ts
 * import { ValidationError } from "@oicm/tracking";
 * const err = new ValidationError("metric key must not be empty");
 * console.log(err.code); // "VALIDATION_ERROR"
 * ```
 */
export class ValidationError extends TrackingError {
  /** Builds a validation error; the code defaults to `VALIDATION_ERROR`. */
  constructor(message: string, init: TrackingErrorInit = {}) {
    super(message, { code: "VALIDATION_ERROR", ...init });
  }
}

/**
 * A param that was logged with a value different from the one the run
 * already has: MLflow's params cannot change. Only that param is refused; the
 * rest of its batch (metrics, tags, other params) is still delivered.
 *
 * @example
 * ```ts
 * import { ParamConflictError } from "@oicm/tracking";
 * const err = new ParamConflictError("run-1", "worker", "0", "1");
 * console.log(err.key, err.existing, err.attempted); // worker 0 1
 * ```
 */
export class ParamConflictError extends ValidationError {
  /** The param's key. */
  readonly key: string;
  /** The run it belongs to. */
  readonly runId: string;
  /** The value the run has. */
  readonly existing: string;
  /** The value that was refused. */
  readonly attempted: string;
  /** Builds the error; values are cut to 100 characters in the message. */
  constructor(runId: string, key: string, existing: string, attempted: string) {
    super(
      `param '${key}' of run ${runId} is '${existing.slice(0, 100)}'; it cannot change to '${
        attempted.slice(0, 100)
      }' (params are immutable: log a metric or a tag instead)`,
      { code: "INVALID_PARAMETER_VALUE" },
    );
    this.key = key;
    this.runId = runId;
    this.existing = existing;
    this.attempted = attempted;
  }
}

/**
 * The server refused the credentials (401 UNAUTHENTICATED) or the permission
 * (403 PERMISSION_DENIED).
 *
 * @example
 * ```ts
 * import { AuthError } from "@oicm/tracking";
 * const err = new AuthError("invalid API key", { status: 401, code: "UNAUTHENTICATED" });
 * console.log(err.status); // 401
 * ```
 */
export class AuthError extends TrackingError {}

/**
 * The experiment, run, workspace or endpoint does not exist (404).
 *
 * @example
 * ```ts
 * import { NotFoundError } from "@oicm/tracking";
 * const err = new NotFoundError("no run abc", { code: "RESOURCE_DOES_NOT_EXIST", status: 404 });
 * console.log(err.code);
 * ```
 */
export class NotFoundError extends TrackingError {}

/**
 * The thing to create already exists (MLflow answers 400
 * RESOURCE_ALREADY_EXISTS; some proxies 409).
 *
 * @example
 * ```ts
 * import { AlreadyExistsError } from "@oicm/tracking";
 * const err = new AlreadyExistsError("experiment exists", { code: "RESOURCE_ALREADY_EXISTS" });
 * console.log(err.name); // "AlreadyExistsError"
 * ```
 */
export class AlreadyExistsError extends TrackingError {}

/**
 * The server could not be reached or kept failing (408, 429, 5xx, network
 * error, timeout) until the retry budget ran out.
 *
 * @example
 * ```ts
 * import { UnavailableError } from "@oicm/tracking";
 * const err = new UnavailableError("gave up after 8 attempts", { status: 503 });
 * console.log(err.status);
 * ```
 */
export class UnavailableError extends TrackingError {
  /** How many attempts were made before giving up. */
  readonly attempts: number;
  /** Builds the error; `attempts` counts every try, the first included. */
  constructor(message: string, init: TrackingErrorInit & { attempts?: number } = {}) {
    super(message, { code: "UNAVAILABLE", ...init });
    this.attempts = init.attempts ?? 1;
  }
}

/**
 * Records that were logged but could not be delivered: `flush()`, `endRun()`
 * and `close()` reject with it, and the client's `onError` receives it.
 *
 * @example
 * ```ts
 * import { DeliveryError, TrackingError } from "@oicm/tracking";
 * const err = new DeliveryError([new TrackingError("boom")], 12);
 * console.log(err.undelivered, err.errors.length); // 12 1
 * ```
 */
export class DeliveryError extends TrackingError {
  /** The errors that made the deliveries fail, oldest first. */
  readonly errors: readonly TrackingError[];
  /** How many records (metrics, params and tags) did not reach the server. */
  readonly undelivered: number;
  /** Builds a delivery error from the failures and the number of records lost. */
  constructor(errors: readonly TrackingError[], undelivered: number) {
    const first = errors[0];
    super(
      `${undelivered} logged record(s) could not be delivered` +
        (first ? `: ${first.message}` : ""),
      {
        code: first?.code ?? "DELIVERY_FAILED",
        status: first?.status,
        route: first?.route,
        cause: first,
      },
    );
    this.errors = errors;
    this.undelivered = undelivered;
  }
}

/** `err` as a {@linkcode TrackingError} (itself when it is one; else wrapping it as the cause). */
export function toTrackingError(err: unknown): TrackingError {
  return err instanceof TrackingError ? err : new TrackingError(String(err), { cause: err });
}
