/**
 * The queue between logging calls and the backend. Logging calls append to a
 * per-run queue and return at once; one sender drains the queues as
 * `log-batch` requests within MLflow's limits, in order, when a batch is full,
 * when `flushIntervalMs` has passed, and on `flush()`.
 *
 * Why it is long: the queue, its flush timer, the in-flight window, spilling
 * over `maxQueue` and the per-run ordering are one concurrency design; it is
 * documented and tested as one.
 *
 * @module
 */
import {
  type Backend,
  type Batch,
  BatchRefusal,
  type KeyValue,
  type SpillBatch,
} from "../core/backend.ts";
import {
  DeliveryError,
  ParamConflictError,
  toTrackingError,
  type TrackingError,
  UnavailableError,
} from "../core/errors.ts";
import { Fifo } from "./fifo.ts";
import { MetricRing } from "./metric_ring.ts";
import { sendKeepingWhatFits } from "../core/partial_delivery.ts";
import { LIMITS } from "../core/validate.ts";
import { type Flight, TagFlights } from "./tag_flights.ts";
import type { Pace } from "./pace.ts";

/**
 * A run as the queue knows it: its server id once the run exists. Records can
 * be queued before then (a run opened in the background); they are sent once
 * `created` resolves, and reported undelivered if it rejects.
 */
export class RunRef {
  /** The server's run id, once known. */
  id: string | undefined;
  /** Resolves to the server's run id when the run exists there. */
  readonly created: Promise<string>;

  /** A ref for a run that exists (`id`) or will (`created`). */
  constructor(created: string | Promise<string>) {
    if (typeof created === "string") {
      this.id = created;
      this.created = Promise.resolve(created);
    } else {
      this.created = created.then((id) => this.id = id);
      this.created.catch(() => {}); // reported by whoever awaits it
    }
  }
}

/** Rough JSON size of one metric beyond its key. */
const METRIC_OVERHEAD = 72;

class RunQueue {
  readonly metrics = new MetricRing();
  readonly params = new Fifo<KeyValue>();
  readonly tags = new Fifo<KeyValue>();
  bytes = 0;

  get size(): number {
    return this.metrics.size + this.params.length + this.tags.length;
  }

  get full(): boolean {
    return this.metrics.size >= LIMITS.batchMetrics ||
      this.params.length >= LIMITS.batchParams || this.tags.length >= LIMITS.batchTags ||
      this.bytes >= LIMITS.batchBytes;
  }

  /** Cuts the next batch: params and tags first, then metrics in order. */
  take(runId: string): Batch {
    const budget = { bytes: 200 };
    const params = takeKeyValues(this.params, LIMITS.batchParams, budget);
    const tags = takeKeyValues(this.tags, LIMITS.batchTags, budget);
    let bytes = budget.bytes;
    const room = Math.min(LIMITS.batchMetrics, LIMITS.batchEntities - params.length - tags.length);
    let n = 0;
    const stop = Math.min(this.metrics.size, room);
    while (n < stop) {
      bytes += this.metrics.keyAt(n).length + METRIC_OVERHEAD;
      if (bytes > LIMITS.batchBytes) break;
      n++;
    }
    const metrics = this.metrics.shift(n);
    this.bytes = Math.max(0, this.bytes - bytes);
    if (this.size === 0) this.bytes = 0;
    return { runId, metrics, params, tags };
  }

  /** Cuts the next batch for disk: everything of params and tags, metrics in columns. */
  takeForSpill(runId: string): SpillBatch {
    const points = Math.min(this.metrics.size, SPILL_POINTS);
    const metrics = new Map<string, number[]>();
    this.metrics.shiftTriples(points, metrics);
    const batch = {
      runId,
      metrics,
      points,
      params: this.params.takeAll(),
      tags: this.tags.takeAll(),
    };
    let removed = 0;
    for (const [key, fields] of metrics) {
      removed += (key.length + METRIC_OVERHEAD) * fields.length / 3;
    }
    for (const kv of batch.params) removed += kvBytes(kv);
    for (const kv of batch.tags) removed += kvBytes(kv);
    this.bytes = this.size === 0 ? 0 : Math.max(0, this.bytes - removed);
    return batch;
  }
}

/**
 * Points per spill to disk. On the 10M-point memory bench (single runs),
 * 1000 per spill with one spare queue block and spilling down to half of
 * `maxQueue` peaked at 188 MB RSS; 2048 per spill, 32 spare blocks and
 * spilling down to 90 % peaked at 227 MB.
 */
const SPILL_POINTS = 1000;

/** Takes up to `max` params or tags from the front of `from`, within the byte budget. */
function takeKeyValues(
  from: Fifo<KeyValue>,
  max: number,
  budget: { bytes: number },
): KeyValue[] {
  let n = 0;
  while (n < from.length && n < max) {
    const size = kvBytes(from.at(n));
    if (n > 0 && budget.bytes + size > LIMITS.batchBytes) break;
    budget.bytes += size;
    n++;
  }
  return from.take(n);
}

function kvBytes(kv: KeyValue): number {
  return kv.key.length + JSON.stringify(kv.value).length + 24;
}

interface Failures {
  errors: TrackingError[];
  undelivered: number;
}

/** Options of a {@linkcode Batcher}. */
export interface BatcherOptions {
  /** Where batches go. */
  backend: Backend;
  /** The longest a record waits before it is sent. */
  flushIntervalMs: number;
  /** Told of every failed delivery, once. */
  onError: (error: DeliveryError) => void;
  /** The most records held in memory; beyond it, batches go to `spill`. */
  maxQueue?: number;
  /** Where batches go when the queue is over `maxQueue` (to disk; synchronously frees memory). */
  spill?: (batch: SpillBatch) => void | Promise<void>;
  /** The window and the gap between batches, when the server's load decides them (AIMD). */
  pace?: Pace;
}

/** Queues records per run and delivers them as batches. */
export class Batcher {
  readonly #opts: BatcherOptions;
  readonly #queues = new Map<RunRef, RunQueue>();
  readonly #failures = new Map<RunRef, Failures>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #draining: Promise<void> | undefined;
  #kickScheduled = false;
  /** Records held in memory (kept as a count: the hot path must not sum queues). */
  #size = 0;
  readonly #spilling = new Set<Promise<void>>();
  /** Batches with tags taken from the queue and not yet handed over: a spill may overtake them. */
  readonly #flights = new TagFlights();

  constructor(opts: BatcherOptions) {
    this.#opts = opts;
  }

  #queue(ref: RunRef): RunQueue {
    let q = this.#queues.get(ref);
    if (q === undefined) {
      q = new RunQueue();
      this.#queues.set(ref, q);
      if (ref.id === undefined) {
        // Send what waited for the run as soon as it exists; report it if it never does.
        ref.created.then(() => this.#kick(), (err) => {
          const queue = this.#queues.get(ref);
          this.#queues.delete(ref);
          if (queue !== undefined && queue.size > 0) {
            this.#size -= queue.size;
            this.#fail(ref, [toTrackingError(err)], queue.size);
          }
          // Nothing left to send: no timer may keep the process alive for nothing.
          if (this.#size === 0) this.#disarm();
        });
      }
    }
    return q;
  }

  /** Queues a metric point (already validated); no object is made per point. */
  addMetric(ref: RunRef, key: string, value: number, step: number, timestamp: number): void {
    const q = this.#queue(ref);
    q.metrics.push(key, value, step, timestamp);
    q.bytes += key.length + METRIC_OVERHEAD;
    this.#queued(q);
  }

  /** Queues a param (already validated). */
  addParam(ref: RunRef, param: KeyValue): void {
    const q = this.#queue(ref);
    q.params.push(param);
    q.bytes += kvBytes(param);
    this.#queued(q);
  }

  /** Queues a tag (already validated). */
  addTag(ref: RunRef, tag: KeyValue): void {
    const q = this.#queue(ref);
    q.tags.push(tag);
    q.bytes += kvBytes(tag);
    this.#queued(q);
  }

  /**
   * Checks the params queued for a run against those the run already has
   * (known once a run opened in the background is resumed): a queued param
   * with the same value is dropped (it is there), one with another value is
   * refused with a {@linkcode ParamConflictError}; nothing else is touched.
   */
  settleParams(ref: RunRef, existing: Readonly<Record<string, string>>): void {
    const q = this.#queues.get(ref);
    if (q === undefined || q.params.length === 0) return;
    const conflicts: TrackingError[] = [];
    const removed = q.params.filter((p) => {
      const old = existing[p.key];
      if (old === undefined) return true;
      if (old !== p.value) {
        conflicts.push(new ParamConflictError(ref.id ?? "(being created)", p.key, old, p.value));
      }
      return false;
    });
    this.#size -= removed.length;
    for (const p of removed) q.bytes = Math.max(0, q.bytes - kvBytes(p));
    if (conflicts.length > 0) this.#fail(ref, conflicts, conflicts.length);
  }

  /** How many records wait in memory to be sent. */
  get pending(): number {
    return this.#size;
  }

  /** Cuts the next batch of a run, keeping the count right. */
  #take(q: RunQueue, runId: string): Batch {
    const batch = q.take(runId);
    this.#size -= batch.metrics.length + batch.params.length + batch.tags.length;
    return batch;
  }

  /** Over `maxQueue`: move batches of runs that exist to disk, oldest first, down to half of it. */
  #overflow(): void {
    const { spill, maxQueue = Infinity } = this.#opts;
    if (spill === undefined) return;
    for (const [ref, q] of this.#queues) {
      while (ref.id !== undefined && q.size > 0 && this.#size > maxQueue / 2) {
        const batch = q.takeForSpill(ref.id);
        const n = batch.points + batch.params.length + batch.tags.length;
        this.#size -= n;
        this.#flights.overtaken(ref.id, batch.tags); // batches taken earlier hold older values
        let written: void | Promise<void>;
        try {
          written = spill(batch);
        } catch (err) {
          this.#failWith(ref, err, n);
          continue;
        }
        if (written instanceof Promise) {
          const write = written.catch((err) => this.#failWith(ref, err, n));
          this.#spilling.add(write);
          write.finally(() => this.#spilling.delete(write));
        }
      }
    }
  }

  #queued(q: RunQueue): void {
    if (++this.#size > (this.#opts.maxQueue ?? Infinity)) this.#overflow();
    if (q.full) {
      if (!this.#kickScheduled) {
        this.#kickScheduled = true;
        queueMicrotask(() => {
          this.#kickScheduled = false;
          this.#kick();
        });
      }
    } else this.#arm();
  }

  #disarm(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #kick(): Promise<void> {
    this.#disarm();
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = undefined;
      // A record queued after the drain's last look, before this ran, found a drain under way
      // and set no timer: give it one.
      if (this.#sendable() > 0) this.#arm();
    });
    return this.#draining;
  }

  /** Sends what is queued within `flushIntervalMs`, unless a send is already due. */
  #arm(): void {
    if (this.#timer !== undefined || this.#draining !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#kick();
    }, this.#opts.flushIntervalMs);
  }

  /** The next batch to send, round-robin over runs that exist; undefined when none. */
  #next(): { ref: RunRef; q: RunQueue; batch: Batch } | undefined {
    for (const [ref, q] of this.#queues) {
      if (q.size === 0) {
        if (ref.id !== undefined) this.#queues.delete(ref);
        continue;
      }
      if (ref.id === undefined) continue; // sent once the run exists
      // Move this run behind the others, so one busy run does not starve the rest.
      this.#queues.delete(ref);
      this.#queues.set(ref, q);
      return { ref, q, batch: this.#take(q, ref.id) };
    }
    return undefined;
  }

  /**
   * Sends batches until the queues are empty, with up to the backend's
   * `maxInFlight` requests at once, so encoding the next batch overlaps the
   * server's work on the last. A batch holding tags waits for those in flight: a tag set twice
   * must land in order (metrics and params are order-free: a param is logged once).
   */
  async #drain(): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    const { pace } = this.#opts;
    const most = () => Math.min(this.#opts.backend.maxInFlight ?? 1, pace?.window ?? Infinity);
    for (;;) {
      // Backing off: wait while the window is full, and between batches.
      while (inFlight.size >= most()) await Promise.race(inFlight);
      if (pace !== undefined && pace.gapMs > 0 && this.#sendable() > 0) {
        await new Promise((r) => setTimeout(r, pace.gapMs));
      }
      const next = this.#next();
      if (next === undefined) {
        if (inFlight.size === 0) {
          if (this.#size === 0) pace?.idle();
          return;
        }
        await Promise.race(inFlight);
        continue;
      }
      let flight: Flight | undefined;
      if (next.batch.tags.length > 0) {
        flight = this.#flights.start(next.batch.runId);
        await Promise.all(inFlight);
      }
      const sending: Promise<void> = this.#send(next.ref, next.q, next.batch, flight).finally(
        () => {
          inFlight.delete(sending);
        },
      );
      inFlight.add(sending);
      if (next.batch.tags.length > 0) await Promise.race(inFlight);
    }
  }

  async #send(ref: RunRef, q: RunQueue, batch: Batch, flight?: Flight): Promise<void> {
    if (flight !== undefined) {
      // Only the tags no spill overtook since the batch was taken (the backend keeps the rule on).
      this.#flights.end(batch.runId, flight);
      batch = { ...batch, tags: this.#flights.fresh(flight, batch.tags) };
    }
    try {
      const refused = await sendKeepingWhatFits(this.#opts.backend, batch);
      if (refused !== undefined) this.#failWith(ref, refused, 0);
    } catch (err) {
      const error = toTrackingError(err);
      let lost = batch.metrics.length + batch.params.length + batch.tags.length;
      if (error instanceof UnavailableError && this.#queues.get(ref) === q) {
        // The server is gone for the whole retry budget: do not wait that long per batch.
        lost += q.size;
        this.#size -= q.size;
        this.#queues.delete(ref);
      }
      this.#fail(ref, [error], lost);
    }
  }

  /**
   * Records a failure to deliver `lost` records; a partial refusal counts only
   * the records it refused and reports each of its errors.
   */
  #failWith(ref: RunRef, err: unknown, lost: number): void {
    if (err instanceof BatchRefusal) this.#fail(ref, [...err.errors], err.refused);
    else this.#fail(ref, [toTrackingError(err)], lost);
  }

  #fail(ref: RunRef, errors: TrackingError[], lost: number): void {
    let f = this.#failures.get(ref);
    if (f === undefined) {
      f = { errors: [], undelivered: 0 };
      this.#failures.set(ref, f);
    }
    f.errors.push(...errors);
    f.undelivered += lost;
    try {
      this.#opts.onError(new DeliveryError(errors, lost));
    } catch {
      // A throwing onError must not break delivery.
    }
  }

  /**
   * At process exit, synchronously: hands every queued record of a run that
   * exists to `write` (the store, or the spool), and returns how many wait for
   * a run still being created (they cannot be kept).
   */
  writeAllSync(write: (batch: SpillBatch) => unknown): number {
    this.#disarm();
    let left = 0;
    for (const [ref, q] of this.#queues) {
      if (ref.id === undefined) left += q.size;
      while (ref.id !== undefined && q.size > 0) {
        const batch = q.takeForSpill(ref.id);
        this.#size -= batch.points + batch.params.length + batch.tags.length;
        try {
          write(batch);
        } catch {
          // At exit nothing can be reported; the other runs are still written.
        }
      }
    }
    return left;
  }

  /** Flushes the records of the run with this server id, if any are queued. */
  flushRun(runId: string): Promise<void> {
    for (const ref of this.#queues.keys()) if (ref.id === runId) return this.flush(ref);
    return Promise.resolve();
  }

  /** The creations still under way of runs (one, or all) that have records waiting for them. */
  #waiting(ref?: RunRef): Promise<unknown>[] {
    const refs = ref === undefined ? [...this.#queues.keys()] : [ref];
    return refs.filter((r) => r.id === undefined && (this.#queues.get(r)?.size ?? 0) > 0)
      .map((r) => r.created.catch(() => {}));
  }

  #sendable(): number {
    let n = 0;
    for (const [ref, q] of this.#queues) if (ref.id !== undefined) n += q.size;
    return n;
  }

  /**
   * Sends everything queued (for one run, or all) and waits for it; rejects
   * with a {@linkcode DeliveryError} when anything failed since the last flush.
   * Records of a run that is still being created wait for it.
   */
  async flush(ref?: RunRef): Promise<void> {
    for (;;) {
      const waiting = this.#waiting(ref);
      if (waiting.length > 0) await Promise.all(waiting);
      else if (this.#sendable() > 0 || this.#draining !== undefined) await this.#kick();
      else if (this.#spilling.size > 0) await Promise.all([...this.#spilling]);
      else break;
    }
    const failed = ref === undefined
      ? [...this.#failures.values()]
      : [this.#failures.get(ref)].filter((f): f is Failures => f !== undefined);
    if (ref === undefined) this.#failures.clear();
    else this.#failures.delete(ref);
    if (failed.length === 0) return;
    throw new DeliveryError(
      failed.flatMap((f) => f.errors),
      failed.reduce((n, f) => n + f.undelivered, 0),
    );
  }
}
