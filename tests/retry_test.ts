import assert from "node:assert/strict";
import {
  backoffDelay,
  DEFAULT_RETRY,
  isRetryableStatus,
  parseRetryAfter,
} from "../src/http/retry.ts";
import { test } from "./harness.ts";

test("backoff doubles per retry, with jitter, capped by maxDelayMs", () => {
  const policy = { ...DEFAULT_RETRY, initialDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(backoffDelay(policy, 1, undefined, () => 1), 100);
  assert.equal(backoffDelay(policy, 1, undefined, () => 0), 50);
  assert.equal(backoffDelay(policy, 3, undefined, () => 1), 400);
  assert.equal(backoffDelay(policy, 10, undefined, () => 1), 1000);
  for (let i = 0; i < 100; i++) {
    const d = backoffDelay(policy, 2);
    assert.ok(d >= 100 && d <= 200, `${d}`);
  }
});

test("Retry-After wins, in seconds or as an HTTP date, bounded by the time budget", () => {
  const policy = { ...DEFAULT_RETRY, maxElapsedMs: 10_000 };
  assert.equal(backoffDelay(policy, 1, 3000), 3000);
  assert.equal(backoffDelay(policy, 1, 60_000), 10_000);
  assert.equal(parseRetryAfter("2"), 2000);
  assert.equal(parseRetryAfter("0.5"), 500);
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now), 5000);
  assert.equal(parseRetryAfter(null), undefined);
  assert.equal(parseRetryAfter("soon"), undefined);
});

test("only timeouts, rate limits and server errors are retried", () => {
  for (const s of [408, 429, 500, 502, 503, 504]) assert.ok(isRetryableStatus(s), `${s}`);
  for (const s of [400, 401, 403, 404, 409, 501]) assert.ok(!isRetryableStatus(s), `${s}`);
});
