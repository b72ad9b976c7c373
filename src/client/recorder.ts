/**
 * The synchronous half of every logging call: validate, remember params,
 * stamp times, and hand the record to the {@linkcode Batcher}. Nothing here
 * awaits, so logging never stalls the caller.
 *
 * @module
 */
import type { Batcher, RunRef } from "../delivery/batcher.ts";
import { ParamConflictError, ValidationError } from "../core/errors.ts";
import type { TagsInput } from "../core/types.ts";
import {
  normalizeTags,
  paramValueToString,
  validateKey,
  validateMetricValue,
  validateStep,
  validateTagValue,
  validateTimestamp,
} from "../core/validate.ts";

/**
 * Options of a metric logging call.
 *
 * @example
 * ```ts
 * import type { MetricOptions } from "@oicm/tracking";
 * const opts: MetricOptions = { step: 3 };
 * ```
 */
export interface MetricOptions {
  /** An integer step (epoch, batch); 0 by default. */
  step?: number;
  /** Milliseconds since the epoch; now by default. */
  timestamp?: number;
}

/** Validates logging calls and queues them. */
export class Recorder {
  readonly #batcher: Batcher;
  readonly #params = new WeakMap<RunRef, Map<string, string>>();

  constructor(batcher: Batcher) {
    this.#batcher = batcher;
  }

  /** Queues one metric point. */
  metric(run: RunRef, key: string, value: number, opts?: MetricOptions): void {
    validateKey("metric", key);
    validateMetricValue(key, value);
    const step = opts?.step === undefined ? 0 : validateStep(key, opts.step);
    const timestamp = opts?.timestamp === undefined
      ? Date.now()
      : validateTimestamp(key, opts.timestamp);
    this.#batcher.addMetric(run, key, value, step, timestamp);
  }

  /** Queues several metrics with one step and timestamp; all are checked before any is queued. */
  metrics(run: RunRef, values: Readonly<Record<string, number>>, opts?: MetricOptions): void {
    if (values === null || typeof values !== "object") {
      throw new ValidationError("logMetrics takes a record of metric names to numbers");
    }
    const entries = Object.entries(values);
    for (const [key, value] of entries) {
      validateKey("metric", key);
      validateMetricValue(key, value);
    }
    const step = opts?.step === undefined ? 0 : validateStep("*", opts.step);
    const timestamp = opts?.timestamp === undefined
      ? Date.now()
      : validateTimestamp("*", opts.timestamp);
    for (const [key, value] of entries) this.#batcher.addMetric(run, key, value, step, timestamp);
  }

  /** Queues params; re-logging a value is skipped, changing one throws. */
  params(run: RunRef, values: Readonly<Record<string, unknown>>): void {
    if (values === null || typeof values !== "object") {
      throw new ValidationError("logParams takes a record of param names to values");
    }
    const known = this.#known(run);
    const fresh: [string, string][] = [];
    for (const [key, raw] of Object.entries(values)) {
      validateKey("param", key);
      const value = paramValueToString(key, raw);
      const before = known.get(key) ?? fresh.find(([k]) => k === key)?.[1];
      if (before === value) continue;
      if (before !== undefined) {
        throw new ParamConflictError(run.id ?? "(being created)", key, before, value);
      }
      fresh.push([key, value]);
    }
    for (const [key, value] of fresh) {
      known.set(key, value);
      this.#batcher.addParam(run, { key, value });
    }
  }

  /** Queues one tag. */
  tag(run: RunRef, key: string, value: string): void {
    validateKey("tag", key);
    validateTagValue(key, value);
    this.#batcher.addTag(run, { key, value });
  }

  /** Queues tags given as labels or a record. */
  tags(run: RunRef, tags: TagsInput): void {
    for (const [key, value] of Object.entries(normalizeTags(tags))) {
      this.#batcher.addTag(run, { key, value });
    }
  }

  /**
   * Remembers params a run already has on the server (when it is resumed);
   * params queued before they were known are checked against them.
   */
  rememberParams(run: RunRef, params: Record<string, string>): void {
    const known = this.#known(run);
    for (const [key, value] of Object.entries(params)) known.set(key, value);
    this.#batcher.settleParams(run, params);
  }

  /** Forgets a run's params once it has ended. */
  forget(run: RunRef): void {
    this.#params.delete(run);
  }

  #known(run: RunRef): Map<string, string> {
    let known = this.#params.get(run);
    if (known === undefined) {
      known = new Map();
      this.#params.set(run, known);
    }
    return known;
  }
}
