/**
 * Fault injection for the fake server: fail the next requests with a status,
 * slow every answer down, or drop connections, so tests can show what the
 * client does when the server misbehaves.
 *
 * @module
 */

/**
 * How one injected failure answers.
 *
 * @example
 * ```ts
 * import type { FailOptions } from "@oicm/tracking/testing";
 * const opts: FailOptions = { retryAfter: "1", body: "<html>Bad gateway</html>" };
 * ```
 */
export interface FailOptions {
  /** The raw body to send instead of MLflow's JSON error. */
  body?: string;
  /** A `Retry-After` header value. */
  retryAfter?: string;
  /** Only requests whose MLflow route (e.g. `runs/log-batch`) matches fail. */
  route?: string;
}

/**
 * What happens to one request.
 *
 * @example
 * ```ts
 * import type { FaultAction } from "@oicm/tracking/testing";
 * const drop: FaultAction = { kind: "drop" };
 * ```
 */
export type FaultAction =
  | { kind: "fail"; status: number; options: FailOptions }
  | { kind: "drop" }
  | { kind: "hang" }
  | undefined;

/**
 * A small database pool, as MLflow's SQL store has (SQLAlchemy's `QueuePool`):
 * at most `size` MLflow API requests are served at once; one that finds no
 * free slot within `waitMs` is answered as MLflow answers a pool timeout,
 * `400 BAD_REQUEST` with SQLAlchemy's own words
 * (`QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00 ...`).
 * `holdMs` is how long each request holds its slot (a database write's time).
 *
 * @example
 * ```ts
 * import type { PoolOptions } from "@oicm/tracking/testing";
 * const pool: PoolOptions = { size: 2, waitMs: 200, holdMs: 20 };
 * ```
 */
export interface PoolOptions {
  /** Requests served at once (MLflow's default: pool 5 + overflow 10 = 15 per worker). */
  size: number;
  /** How long a request waits for a slot before the overload answer, in ms (MLflow: 30 000). */
  waitMs: number;
  /** How long each request holds its slot, in ms. Default 0. */
  holdMs?: number;
}

/** The overload answer of MLflow's SQL store for a pool of `size` that timed out after `waitMs`. */
export function poolTimeoutBody(size: number, waitMs: number): string {
  const base = Math.min(size, 5);
  return JSON.stringify({
    error_code: "BAD_REQUEST",
    message: `QueuePool limit of size ${base} overflow ${size - base} reached, connection timed ` +
      `out, timeout ${(waitMs / 1000).toFixed(2)} (Background on this error at: ` +
      `https://sqlalche.me/e/20/3o7r)`,
  });
}

interface Pending {
  action: Exclude<FaultAction, undefined>;
  route?: string;
  left: number;
}

/**
 * The fault plan of a {@linkcode FakeMlflowServer}: what the next requests do.
 *
 * @example Two 503s, then success
 * ```ts
 * import { FakeMlflowServer } from "@oicm/tracking/testing";
 * const server = new FakeMlflowServer();
 * server.faults.failNext(2, 503);
 * server.faults.latency(50);
 * server.faults.clear();
 * ```
 */
export class Faults {
  #queue: Pending[] = [];
  #latencyMs = 0;
  #pool: PoolOptions | undefined;
  #busy = 0;
  readonly #waiters: (() => void)[] = [];
  /** Requests answered with the pool's overload answer so far. */
  poolTimeouts = 0;
  /** The most requests served at once by the pool. */
  poolPeak = 0;

  /**
   * Serves MLflow API requests through a small pool (see {@linkcode PoolOptions});
   * `undefined` removes it.
   *
   * @example
   * ```ts
   * import { FakeMlflowServer } from "@oicm/tracking/testing";
   * const server = new FakeMlflowServer();
   * server.faults.pool({ size: 2, waitMs: 200, holdMs: 20 });
   * ```
   */
  pool(options: PoolOptions | undefined): this {
    this.#pool = options === undefined ? undefined : { ...options };
    return this;
  }

  /**
   * Takes a pool slot for a request: resolves to its release, to `"timeout"`
   * when none freed within the wait, or to undefined when there is no pool.
   */
  async acquire(): Promise<(() => void) | "timeout" | undefined> {
    const pool = this.#pool;
    if (pool === undefined) return undefined;
    if (this.#busy >= pool.size) {
      const got = await new Promise<boolean>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
        const timer = setTimeout(() => {
          const i = this.#waiters.indexOf(wake);
          if (i >= 0) this.#waiters.splice(i, 1);
          resolve(false);
        }, pool.waitMs);
        this.#waiters.push(wake);
      });
      if (!got) {
        this.poolTimeouts++;
        return "timeout";
      }
    } else this.#busy++;
    this.poolPeak = Math.max(this.poolPeak, this.#busy);
    if (pool.holdMs) await new Promise((r) => setTimeout(r, pool.holdMs));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next !== undefined) next(); // the slot passes on: busy stays as it is
      else this.#busy--;
    };
  }

  /** The pool, if one is set. */
  get poolOptions(): Readonly<PoolOptions> | undefined {
    return this.#pool;
  }

  /** The next `count` requests (to `options.route`, if given) answer `status`. */
  failNext(count: number, status: number, options: FailOptions = {}): this {
    this.#queue.push({
      action: { kind: "fail", status, options },
      route: options.route,
      left: count,
    });
    return this;
  }

  /** The next `count` requests have their connection dropped without an answer. */
  dropNext(count: number, route?: string): this {
    this.#queue.push({ action: { kind: "drop" }, route, left: count });
    return this;
  }

  /** The next `count` requests never get an answer (for client timeouts). */
  hangNext(count: number, route?: string): this {
    this.#queue.push({ action: { kind: "hang" }, route, left: count });
    return this;
  }

  /** Every answer is delayed by `ms` milliseconds (0 turns it off). */
  latency(ms: number): this {
    this.#latencyMs = ms;
    return this;
  }

  /** The current added latency in ms. */
  get latencyMs(): number {
    return this.#latencyMs;
  }

  /** Removes every pending fault, the latency and the pool. */
  clear(): this {
    this.#queue = [];
    this.#latencyMs = 0;
    this.#pool = undefined;
    return this;
  }

  /** Takes the fault for a request to `route`, if one is pending. */
  take(route: string | undefined): FaultAction {
    const index = this.#queue.findIndex((p) => p.route === undefined || p.route === route);
    if (index < 0) return undefined;
    const pending = this.#queue[index];
    if (--pending.left <= 0) this.#queue.splice(index, 1);
    return pending.action;
  }
}
