/**
 * The retry policy: which failures are worth another try, and how long to wait
 * before it (exponential backoff with full jitter, `Retry-After` honoured),
 * bounded in attempts and in total time.
 *
 * @module
 */

/**
 * How failed requests are retried. The defaults are MLflow 3's (7 retries,
 * waits doubling from 0.5 s, 120 s in all); the `mlflow` 2.16.2 that OICM's
 * Python client pins retries 5 times with backoff factor 2: pass
 * `{ maxRetries: 5 }` to match it exactly.
 *
 * @example
 * ```ts
 * import { TrackingClient } from "@oicm/tracking";
 * const client = new TrackingClient({
 *   apiHost: "http://127.0.0.1:5000",
 *   retry: { maxRetries: 3, initialDelayMs: 200, maxElapsedMs: 10_000 },
 * });
 * ```
 */
export interface RetryOptions {
  /** Retries after the first attempt; 0 turns retrying off. Default 7. */
  maxRetries?: number;
  /** The first wait, in ms; each later one doubles. Default 500. */
  initialDelayMs?: number;
  /** The longest single wait, in ms. Default 30 000. */
  maxDelayMs?: number;
  /** No retry starts after this many ms since the first attempt. Default 120 000. */
  maxElapsedMs?: number;
}

/** {@linkcode RetryOptions} with every field set. */
export type RetryPolicy = Required<RetryOptions>;

/** The default policy. */
export const DEFAULT_RETRY: RetryPolicy = {
  maxRetries: 7,
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  maxElapsedMs: 120_000,
};

/** HTTP statuses worth retrying: timeouts, rate limits and server errors. */
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/** Whether an answer with this status should be retried. */
export function isRetryableStatus(status: number): boolean {
  return RETRY_STATUSES.has(status);
}

/**
 * Reads a `Retry-After` header (delay seconds or an HTTP date) as ms, or
 * `undefined` when absent or unreadable.
 */
export function parseRetryAfter(
  header: string | null,
  now: number = Date.now(),
): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The wait before retry number `retry` (1-based): full jitter over
 * `initialDelayMs * 2^(retry-1)`, capped by `maxDelayMs`; a server's
 * `Retry-After` wins when given.
 */
export function backoffDelay(
  policy: RetryPolicy,
  retry: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxElapsedMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + random() * ceiling / 2);
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
