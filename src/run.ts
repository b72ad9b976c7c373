/**
 * {@linkcode Run}: the live handle of a run, with logging scoped to it and an
 * `end` that flushes, always ends the run, and reports what failed.
 *
 * @module
 */
import { ValidationError } from "./errors.ts";
import type { MetricOptions, Recorder } from "./recorder.ts";
import type { EndStatus, RunInfo, TagsInput } from "./types.ts";

/** What a run needs from the client that opened it. */
export interface RunOwner {
  /** Flushes the run's records, marks it ended on the server and forgets it as active. */
  finish(run: Run, status: EndStatus): Promise<void>;
}

const END_STATUSES = new Set(["FINISHED", "FAILED", "KILLED"]);

/**
 * A run that is open for logging. Logging methods validate and queue at once;
 * `end()` (or leaving an `await using` block) delivers and ends it.
 *
 * @example Ending a run when the block exits
 * ```ts
 * import { TrackingClient } from "@oicm/tracking";
 * import { FakeMlflowServer } from "@oicm/tracking/testing";
 *
 * const server = new FakeMlflowServer();
 * const client = new TrackingClient({ apiHost: "http://fake", fetch: server.fetch });
 * {
 *   await using run = await client.startRun({ runName: "baseline" });
 *   run.logParam("lr", 0.01);
 *   run.logMetric("loss", 0.42, { step: 1 });
 * } // ended FINISHED here
 * await client.close();
 * ```
 */
export class Run implements AsyncDisposable {
  /** The run's identity and state; `status` and `endTime` change when it ends. */
  readonly info: RunInfo;
  readonly #recorder: Recorder;
  readonly #owner: RunOwner;
  #ending: Promise<void> | undefined;

  /** Made by {@linkcode TrackingClient.startRun}; not meant to be built by hand. */
  constructor(info: RunInfo, recorder: Recorder, owner: RunOwner) {
    this.info = info;
    this.#recorder = recorder;
    this.#owner = owner;
  }

  /** The run's id. */
  get runId(): string {
    return this.info.runId;
  }

  /** Whether `end()` has been called. */
  get ended(): boolean {
    return this.#ending !== undefined;
  }

  #open(): string {
    if (this.#ending !== undefined) {
      throw new ValidationError(
        `run ${this.info.runId} has ended; resume it with startRun({ runId }) to log more`,
      );
    }
    return this.info.runId;
  }

  /** Logs a param; values that are not strings become `String(value)` (JSON for objects). */
  logParam(key: string, value: unknown): void {
    this.#recorder.params(this.#open(), { [key]: value });
  }

  /** Logs several params at once; all are checked before any is queued. */
  logParams(params: Readonly<Record<string, unknown>>): void {
    this.#recorder.params(this.#open(), params);
  }

  /** Logs one metric point, at `step` (default 0). */
  logMetric(key: string, value: number, options?: MetricOptions): void {
    this.#recorder.metric(this.#open(), key, value, options);
  }

  /** Logs several metrics at one step. */
  logMetrics(metrics: Readonly<Record<string, number>>, options?: MetricOptions): void {
    this.#recorder.metrics(this.#open(), metrics, options);
  }

  /** Sets a tag. */
  setTag(key: string, value: string): void {
    this.#recorder.tag(this.#open(), key, value);
  }

  /** Sets tags, given as labels or as a record. */
  setTags(tags: TagsInput): void {
    this.#recorder.tags(this.#open(), tags);
  }

  /**
   * Delivers the run's records and ends it with `status` (FINISHED by
   * default). The run is ended even when delivery failed; the promise then
   * rejects with a `DeliveryError`. Calling it again returns the same promise.
   */
  end(status: EndStatus = "FINISHED"): Promise<void> {
    if (this.#ending === undefined) {
      if (!END_STATUSES.has(status)) {
        throw new ValidationError(
          `a run ends FINISHED, FAILED or KILLED, got ${JSON.stringify(status)}`,
        );
      }
      this.#ending = this.#owner.finish(this, status);
    }
    return this.#ending;
  }

  /** Ends the run FINISHED; used by `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.end("FINISHED");
  }
}
