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

  /** Removes every pending fault and the latency. */
  clear(): this {
    this.#queue = [];
    this.#latencyMs = 0;
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
