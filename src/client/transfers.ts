/**
 * Artifact uploads and dataset inputs of runs, under way: one at a time per
 * run, in call order (a file logged twice ends as its last version). A failure
 * goes to whoever awaits the upload's promise; when nobody does, it is kept for
 * the run's end (or the next flush) and told to `onError`: reported once,
 * never lost.
 *
 * @module
 */
import { DeliveryError, toTrackingError, type TrackingError } from "../core/errors.ts";
import type { DatasetInput } from "../core/types.ts";
import type { Upload } from "../artifacts/run_artifacts.ts";
import type { ModelWork } from "../models/model_folder.ts";
import type { Run } from "./run.ts";
import { WatchedPromise } from "./watched_promise.ts";

/** Files to upload, datasets to record, or a model to log. */
export type TransferWork = Upload[] | { inputs: DatasetInput[] } | ModelWork;

/** Sends one piece of work for a run that exists; resolves to what it made (a model's info). */
export type Send = (runId: string, work: TransferWork) => Promise<unknown>;

/** The transfers of every run of a client. */
export class Transfers {
  /** Under way, per run (its end waits for them). */
  readonly #pending = new Map<Run, Set<Promise<void>>>();
  /** The last of each run (settled, never rejected): the next one starts after it. */
  readonly #tail = new Map<Run, Promise<void>>();
  /** Failures nobody awaited, per run, for its end or the next flush. */
  readonly #failures = new Map<Run, TrackingError[]>();
  readonly #send: Send;
  readonly #onError: (error: DeliveryError) => void;
  /** Keeps background work visible to the client's flush(). */
  readonly #track: (work: Promise<void>) => void;

  constructor(
    send: Send,
    onError: (error: DeliveryError) => void,
    track: (work: Promise<void>) => void,
  ) {
    this.#send = send;
    this.#onError = onError;
    this.#track = track;
  }

  /**
   * Starts `work` for `run` once it exists and the run's earlier transfers are
   * done; resolves to what the work made (`T`: a logged model's info, else void).
   */
  start<T = void>(run: Run, work: TransferWork): Promise<T> {
    const previous = this.#tail.get(run);
    const sending = (async () => {
      await previous;
      const { runId } = await run.ready;
      return await this.#send(runId, work) as T;
    })();
    const tail = sending.then(() => {}, () => {});
    this.#tail.set(run, tail);
    void tail.then(() => {
      if (this.#tail.get(run) === tail) this.#tail.delete(run);
    });
    const watched = WatchedPromise.follow(sending);
    const pending = this.#pending.get(run) ?? new Set<Promise<void>>();
    this.#pending.set(run, pending);
    const settled = sending.then(() => {}, (err) => {
      if (watched.observed) return; // the caller has it
      const error = toTrackingError(err);
      const failures = this.#failures.get(run) ?? [];
      failures.push(error);
      this.#failures.set(run, failures);
      try {
        this.#onError(new DeliveryError([error], Array.isArray(work) ? work.length : 1));
      } catch { /* a throwing onError must not break delivery */ }
    }).finally(() => pending.delete(settled));
    pending.add(settled);
    this.#track(settled);
    return watched;
  }

  /** Waits for a run's transfers under way. */
  async wait(run: Run): Promise<void> {
    while ((this.#pending.get(run)?.size ?? 0) > 0) {
      await Promise.allSettled([...this.#pending.get(run)!]);
    }
  }

  /** Waits for the transfers of the run with this id (listing and downloading see them). */
  async waitForId(runId: string): Promise<void> {
    for (const run of [...this.#pending.keys()]) {
      if (run.created && run.runId === runId) await this.wait(run);
    }
  }

  /** Waits for a run's transfers; resolves to the failures nobody awaited (each told once). */
  async settle(run: Run): Promise<TrackingError[]> {
    await this.wait(run);
    this.#pending.delete(run);
    const failures = this.#failures.get(run) ?? [];
    this.#failures.delete(run);
    return failures;
  }

  /** Every run's failures nobody awaited, taken (for flush()). */
  takeFailures(): TrackingError[] {
    const all = [...this.#failures.values()].flat();
    this.#failures.clear();
    return all;
  }
}
