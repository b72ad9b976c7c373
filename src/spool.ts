/**
 * Nothing lost when the server fails: {@linkcode SpoolingBackend} wraps the
 * REST backend; records that the server cannot take after the whole retry
 * budget (and records beyond the in-memory bound) go to a local spool, a
 * FileStore whose runs carry a sync record naming their run on the server.
 * A background drainer sends them with `syncRun` once the server answers
 * again, in order and each point once, then removes them from disk. A run
 * whose records the server refuses (a 4xx answer: the run was deleted there,
 * a param changed) is moved aside to `<spool>/.refused`, a store of its own,
 * and reported; the rest of the spool goes on draining.
 *
 * @module
 */
import { mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type {
  Backend,
  Batch,
  ExperimentQuery,
  NewRun,
  RunQuery,
  RunUpdate,
  SpillBatch,
} from "./backend.ts";
import { DeliveryError, TrackingError, UnavailableError } from "./errors.ts";
import { FileBackend } from "./file_backend.ts";
import { triplesByKey } from "./metric_lines.ts";
import { withPermissionErrors } from "./permissions.ts";
import { hasUnsent, type SyncReport, syncRun, unsentPoints, writeSyncStateSync } from "./sync.ts";
import { unrefTimer } from "./timers.ts";
import type { Experiment, MetricPoint, RunRecord } from "./types.ts";

/** How the spool behaves. */
export interface SpoolConfig {
  /** The spool's directory. */
  path: string;
  /** Names the server (and workspace) in sync records. */
  targetKey: () => string;
  /** First wait before trying the server again, in ms; doubles up to 60 s. */
  retryMs: number;
  /** Told when records first go to disk, and when the spool drains. */
  notify: (message: string) => void;
}

function toSpillBatch(batch: Batch): SpillBatch {
  return { ...batch, metrics: triplesByKey(batch.metrics), points: batch.metrics.length };
}

/** A spooled run the server refused: its answer, and the points it has not taken. */
interface Refusal {
  error: TrackingError;
  points: number;
}

/** Whether the server answered that it will not take these records (retrying cannot help). */
function isRefusal(err: unknown): err is TrackingError {
  return err instanceof TrackingError && !(err instanceof UnavailableError) &&
    err.status !== undefined && err.status >= 400 && err.status < 500;
}

/** A {@linkcode Backend} over the server that spills to disk instead of losing records. */
export class SpoolingBackend implements Backend {
  readonly #remote: Backend;
  /** As the server's: spilled batches are written in order by the spool's own chain. */
  readonly maxInFlight: number;
  readonly #config: SpoolConfig;
  readonly #store: FileBackend;
  /** Server run id → spool run id, for runs with records on disk. */
  readonly #spooled = new Map<string, string>();
  /** Writes to the spool so far, and async ones under way: a drained run is removed only between writes. */
  #writes = 0;
  #pendingWrites = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #draining: Promise<void> | undefined;
  #delay: number;
  #stopped = false;
  /** Set when the server gave up on us; batches then go to disk at once until it answers. */
  #down = false;
  /** Points delivered from disk since the spool was last empty. */
  #delivered = 0;
  /** Which notices were given since the spool was last empty. */
  readonly #told = new Set<string>();

  constructor(remote: Backend, config: SpoolConfig) {
    this.#remote = remote;
    this.maxInFlight = remote.maxInFlight ?? 1;
    this.#config = config;
    this.#store = withPermissionErrors(
      new FileBackend(config.path, config.notify),
      `the spool ${config.path}`,
    );
    this.#delay = config.retryMs;
  }

  /** The spool's directory. */
  get path(): string {
    return this.#store.root;
  }

  /** Metric points written to the spool since the client started. */
  spilledPoints = 0;

  /** How many server runs have records waiting on disk. */
  get spooledRuns(): number {
    return this.#spooled.size;
  }

  /**
   * Writes a batch to the spool, synchronously: memory is freed inside the
   * call (the batcher spills from a logging call when over `maxQueue`), and
   * batches of a run land in the order they are spilled.
   */
  spill(batch: SpillBatch, why: "unavailable" | "overflow" = "unavailable"): void {
    if (!this.#told.has(why)) {
      this.#told.add(why);
      this.#config.notify(
        why === "overflow"
          ? `more records wait than maxQueue allows: the overflow goes to ${this.path} and is sent from there`
          : `the server is unavailable; records are kept in ${this.path} until it answers`,
      );
    }
    const local = this.#localRun(batch.runId);
    this.#store.logBatchSync({ ...batch, runId: local });
    this.spilledPoints += batch.points;
    this.#writes++;
    this.#schedule();
  }

  #localRun(remoteRunId: string): string {
    let local = this.#spooled.get(remoteRunId);
    if (local !== undefined) return local;
    const created = this.#store.createRunSync({
      experimentId: "0",
      runName: `spool-${remoteRunId}`,
      startTime: Date.now(),
      tags: {},
    });
    local = created.info.runId;
    // The run exists on the server: the sync record says so, and nothing of it is sent yet.
    writeSyncStateSync(this.#store.runDirectorySync(local), this.#config.targetKey(), {
      remoteRunId,
      params: [],
      tags: {},
      metricBytes: {},
    });
    this.#spooled.set(remoteRunId, local);
    return local;
  }

  async logBatch(batch: Batch): Promise<void> {
    // Behind records already on disk (keep the order), or while the server is down.
    if (this.#down || this.#spooled.has(batch.runId)) return this.spill(toSpillBatch(batch));
    try {
      await this.#remote.logBatch(batch);
    } catch (err) {
      if (!(err instanceof UnavailableError)) throw err;
      this.#down = true;
      this.spill(toSpillBatch(batch));
    }
  }

  async updateRun(runId: string, update: RunUpdate): Promise<void> {
    if (!this.#spooled.has(runId)) {
      try {
        return await this.#remote.updateRun(runId, update);
      } catch (err) {
        if (!(err instanceof UnavailableError)) throw err;
      }
    }
    // The end waits on disk with the records, and goes when they have gone.
    const local = this.#localRun(runId);
    this.#pendingWrites++;
    try {
      await this.#store.updateRun(local, update);
    } finally {
      this.#pendingWrites--;
      this.#writes++;
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped || this.#timer !== undefined || this.#draining !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.drain().catch((err) => this.#config.notify(`spool: ${String(err)}`));
    }, this.#delay);
    unrefTimer(this.#timer); // what is on disk stays there if the process exits
  }

  /**
   * Sends what the spool holds; resolves when the spool is empty or the server
   * is still unavailable (then another try is scheduled, with a longer wait).
   */
  drain(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#draining ??= this.#drainOnce().catch((err) => {
      if (!(err instanceof UnavailableError)) throw err; // still down: try again later
    }).finally(() => {
      this.#draining = undefined;
      if (this.#spooled.size > 0) this.#schedule();
    });
    return this.#draining;
  }

  async #drainOnce(): Promise<void> {
    const report: SyncReport = { runs: 0, created: 0, metrics: 0, params: 0, tags: 0, ended: 0 };
    let refused: Refusal[];
    try {
      refused = await this.#sendAll(report);
    } finally {
      this.#delivered += report.metrics;
    }
    if (refused.length > 0) {
      throw new DeliveryError(
        refused.map((r) => r.error),
        refused.reduce((n, r) => n + r.points, 0),
      );
    }
    this.#delay = this.#config.retryMs;
    this.#down = false;
    if (this.#spooled.size === 0 && this.#delivered > 0) {
      if (this.#told.has("unavailable")) {
        this.#config.notify(
          `the server answers again: ${this.#delivered} spooled points were delivered`,
        );
      }
      this.#delivered = 0;
      this.#told.clear();
    }
  }

  /**
   * One pass over the spooled runs; stops at the first sign the server is
   * still down. Runs the server refuses are moved aside; their refusals are returned.
   */
  async #sendAll(report: SyncReport): Promise<Refusal[]> {
    const refused: Refusal[] = [];
    for (const [remote, local] of [...this.#spooled]) {
      try {
        await syncRun(this.#store, this.#remote, this.#config.targetKey(), local, () => {
          throw new Error("a spooled run always exists on the server");
        }, report);
        // Sent in full, unless something was written meanwhile: then forget it. The check
        // and the removal run with no write in between (writes are counted; removal is sync).
        const before = this.#writes;
        if (await hasUnsent(this.#store, local, this.#config.targetKey())) continue;
        if (this.#writes !== before || this.#pendingWrites > 0) continue;
        const dir = this.#store.runDirectorySync(local);
        this.#spooled.delete(remote);
        rmSync(dir, { recursive: true, force: true });
      } catch (err) {
        if (isRefusal(err)) {
          const aside = await this.#setAside(remote, local, err);
          if (aside !== undefined) refused.push(aside);
          continue;
        }
        if (!(err instanceof UnavailableError)) throw err;
        this.#delay = Math.min(this.#delay * 2, 60_000);
        throw err;
      }
    }
    return refused;
  }

  /**
   * Moves a refused run out of the way, into the FileStore `<spool>/.refused`
   * (its sync record still names the server's run, so `sync` can send it once
   * the cause is fixed), and says so. Undefined when a write is under way
   * (then the next pass does it).
   */
  async #setAside(
    remote: string,
    local: string,
    error: TrackingError,
  ): Promise<Refusal | undefined> {
    const points = await unsentPoints(this.#store, local, this.#config.targetKey());
    if (this.#pendingWrites > 0) return undefined;
    const refusedStore = new FileBackend(join(this.path, ".refused"));
    await refusedStore.searchExperiments({}); // creates the store and its Default experiment
    const dir = this.#store.runDirectorySync(local);
    const target = join(refusedStore.root, "0", local);
    // No await from here on: no spill can land in the folder while it moves.
    mkdirSync(join(target, ".."), { recursive: true });
    renameSync(dir, target);
    this.#spooled.delete(remote);
    this.#config.notify(
      `the server refused the spooled records of run ${remote} (${error.message}); ` +
        `${points} point(s) and the rest of that run are kept in ${target}`,
    );
    return { error, points };
  }

  /** Stops retrying in the background (what is on disk stays there). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  // Everything else goes straight to the server.
  createExperiment(name: string, tags: Record<string, string>): Promise<string> {
    return this.#remote.createExperiment(name, tags);
  }
  getExperiment(experimentId: string): Promise<Experiment> {
    return this.#remote.getExperiment(experimentId);
  }
  getExperimentByName(name: string): Promise<Experiment | undefined> {
    return this.#remote.getExperimentByName(name);
  }
  searchExperiments(query: ExperimentQuery): Promise<Experiment[]> {
    return this.#remote.searchExperiments(query);
  }
  deleteExperiment(experimentId: string): Promise<void> {
    return this.#remote.deleteExperiment(experimentId);
  }
  setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    return this.#remote.setExperimentTag(experimentId, key, value);
  }
  createRun(run: NewRun): Promise<RunRecord> {
    return this.#remote.createRun(run);
  }
  getRun(runId: string): Promise<RunRecord> {
    return this.#remote.getRun(runId);
  }
  searchRuns(query: RunQuery): Promise<RunRecord[]> {
    return this.#remote.searchRuns(query);
  }
  findRunByName(experimentId: string, name: string): Promise<RunRecord | undefined> {
    return this.#remote.findRunByName(experimentId, name);
  }
  getMetricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    return this.#remote.getMetricHistory(runId, key);
  }
}
