/**
 * {@linkcode Run}: the live handle of a run, with logging scoped to it and an
 * `end` that flushes, always ends the run, and reports what failed.
 *
 * @module
 */
import { RunRef } from "./batcher.ts";
import { ValidationError } from "./errors.ts";
import type { MetricOptions, Recorder } from "./recorder.ts";
import type { EndStatus, RunInfo, TagsInput } from "./types.ts";

/** What a run needs from the client that opened it. */
export interface RunOwner {
  /** Flushes the run's records, marks it ended on the server and forgets it as active. */
  finish(run: Run, ref: RunRef, status: EndStatus): Promise<void>;
  /** Hears of a failure nobody awaits (an end in the background). */
  reportDetached(error: unknown): void;
}

/** What creating or resuming a run on the server yields. */
export interface CreatedRun {
  /** The run as the server has it. */
  info: RunInfo;
  /** When an existing run was continued: its params, and the tags to apply to it. */
  resumed?: { params: Record<string, string>; tags: Record<string, string> };
}

const END_STATUSES = new Set(["FINISHED", "FAILED", "KILLED"]);

/**
 * A run that is open for logging. Logging methods validate and queue at once;
 * `end()` (or leaving an `await using` block) delivers and ends it.
 *
 * A run opened in the background (`client.openRun`, a sync `@tracked` method)
 * takes records at once but gets its server id later: `await run.ready`.
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
  /** Resolves to the run's info once the server has the run. */
  readonly ready: Promise<RunInfo>;
  #info: RunInfo | undefined;
  readonly #ref: RunRef;
  readonly #recorder: Recorder;
  readonly #owner: RunOwner;
  #ending: Promise<void> | undefined;

  /** Made by `TrackingClient.startRun` or `openRun`; not meant to be built by hand. */
  constructor(created: Promise<CreatedRun>, recorder: Recorder, owner: RunOwner) {
    this.#recorder = recorder;
    this.#owner = owner;
    this.ready = created.then(({ info, resumed }) => {
      this.#info = info;
      if (resumed !== undefined) {
        recorder.rememberParams(this.#ref, resumed.params);
        if (Object.keys(resumed.tags).length > 0) recorder.tags(this.#ref, resumed.tags);
      }
      return info;
    });
    this.ready.catch(() => {}); // whoever awaits it hears of a failure
    this.#ref = new RunRef(this.ready.then((info) => info.runId));
  }

  /** The run's identity and state; throws until the server has the run (see `ready`). */
  get info(): RunInfo {
    if (this.#info === undefined) {
      throw new ValidationError("the run is still being created: await run.ready for its info");
    }
    return this.#info;
  }

  /** The run's id; throws until the server has the run (see `ready`). */
  get runId(): string {
    return this.info.runId;
  }

  /** Whether the server has the run yet. */
  get created(): boolean {
    return this.#info !== undefined;
  }

  /** Whether `end()` has been called. */
  get ended(): boolean {
    return this.#ending !== undefined;
  }

  #open(): RunRef {
    if (this.#ending !== undefined) {
      throw new ValidationError(
        `run ${this.#ref.id ?? ""} has ended; resume it with startRun({ runId }) to log more`,
      );
    }
    return this.#ref;
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
      this.#ending = this.#owner.finish(this, this.#ref, status);
    }
    return this.#ending;
  }

  /**
   * Ends the run like {@linkcode Run.end}, but never rejects: a failure goes
   * to the client's `onError` and rejects its next `flush()` or `close()`.
   * For code that must not wait on the network or throw (callbacks, sync
   * methods); the promise resolves when the attempt is over.
   */
  endDetached(status: EndStatus = "FINISHED"): Promise<void> {
    let ending: Promise<void>;
    try {
      ending = this.end(status);
    } catch (err) {
      this.#owner.reportDetached(err);
      return Promise.resolve();
    }
    return ending.catch((err) => this.#owner.reportDetached(err));
  }

  /** Ends the run FINISHED; used by `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.end("FINISHED");
  }
}
