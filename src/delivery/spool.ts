/**
 * Nothing lost when the server fails: {@linkcode SpoolingBackend} stands in
 * front of the server; records it cannot take after the whole retry budget
 * (and records beyond the in-memory bound) go to a local spool, a FileStore
 * whose runs carry a sync record naming their run on the server and the
 * server (and OICM workspace) they belong to. A background drainer sends them
 * with `syncRun` once the server answers again, in order and each point once,
 * then removes them from disk. A run whose records the server refuses outright
 * (a 4xx answer: the run was deleted there) is moved aside to
 * `<spool>/.refused`, a store of its own, and reported; the rest goes on.
 *
 * Order: a tag is the only record whose order matters (the last value wins).
 * A batch in flight when later records of its run went to disk is older than
 * them: if it fails too, its tags that the spool already holds newer values
 * of are dropped, and a drain waits for a run's sends under way before it
 * sends that run's spooled records.
 *
 * Why it is long: the spool is one state machine (which runs wait on disk,
 * which targets are down, the drainer's schedule and its lock) that every
 * `Backend` call passes through; split, its invariants would span files.
 *
 * @module
 */
import { renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type {
  Backend,
  Batch,
  ExperimentQuery,
  LoggedModels,
  NewRun,
  RunQuery,
  RunUpdate,
  SpillBatch,
  Target,
} from "../core/backend.ts";
import { DeliveryError, TrackingError, UnavailableError } from "../core/errors.ts";
import { writeAtomicSync } from "../core/file_io.ts";
import { makeFolders } from "../core/file_modes.ts";
import { FileBackend } from "../store/file_backend.ts";
import { tryLock } from "../store/file_lock.ts";
import { triplesByKey } from "../store/metric_lines.ts";
import { withPermissionErrors } from "../store/permissions.ts";
import { TagFlights } from "./tag_flights.ts";
import { claimLeft, markLeft } from "./spool_leftovers.ts";
import { hasUnsent, SPOOL_MARKER, SYNC_LOCK, syncRun, unsentPoints } from "../sync/sync.ts";
import { emptyReport, type SyncReport, writeSyncStateSync } from "../sync/sync_record.ts";
import { unrefTimer } from "../core/timers.ts";
import type { DatasetInput, EndStatus, Experiment, MetricPoint, RunRecord } from "../core/types.ts";
import type { ArtifactEntry } from "../core/types.ts";

/** How the spool behaves. */
export interface SpoolConfig {
  /** The spool's directory. */
  path: string;
  /** The server (and workspace) records go to now; a run keeps the one it was made on. */
  current: () => Target;
  /** How many batches may be in flight to the server at once. */
  maxInFlight: number;
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

/** A run with records on disk: its spool run, and the server it belongs to. */
interface Spooled {
  local: string;
  target: Target;
}

/** Whether the server answered that it will not take these records (retrying cannot help). */
function isRefusal(err: unknown): err is TrackingError {
  return err instanceof TrackingError && !(err instanceof UnavailableError) &&
    err.status !== undefined && err.status >= 400 && err.status < 500;
}

/** A {@linkcode Backend} in front of the server that spills to disk instead of losing records. */
export class SpoolingBackend implements Backend {
  /** As the server's: spilled batches are written in order by the spool's own chain. */
  readonly maxInFlight: number;
  readonly #config: SpoolConfig;
  readonly #store: FileBackend;
  /** Server run id → its records on disk. */
  readonly #spooled = new Map<string, Spooled>();
  /** Server run id → the server it lives on (where its records and its end go). */
  readonly #runTargets = new Map<string, Target>();
  /** Server run id → its batches on their way to the server. */
  readonly #flights = new TagFlights();
  /** Servers (by key) that gave up on us; batches for them go to disk until they answer. */
  readonly #down = new Set<string>();
  /** Writes to the spool so far, and async ones under way: a drained run is removed only between writes. */
  #writes = 0;
  #pendingWrites = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #draining: Promise<void> | undefined;
  #delay: number;
  #stopped = false;
  /** Points delivered from disk since the spool was last empty. */
  #delivered = 0;
  /** Which notices were given since the spool was last empty. */
  readonly #told = new Set<string>();
  /** Servers (by key) whose runs left in the spool by an earlier process were claimed. */
  readonly #claimed = new Set<string>();
  /** Records the server refused while draining (a param it has with another value). */
  #refusedRecords: TrackingError[] = [];

  constructor(config: SpoolConfig) {
    this.maxInFlight = config.maxInFlight;
    this.#config = config;
    this.#store = withPermissionErrors(
      // Private: what waits here is sent later under the user's key (files 0600, folders 0700).
      new FileBackend(config.path, config.notify, { private: true }),
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

  /** The server a run lives on: the one it was made or found on, else the current one. */
  #targetOf(runId: string): Target {
    return this.#runTargets.get(runId) ?? this.#config.current();
  }

  #remember(record: RunRecord, target: Target): RunRecord {
    this.#runTargets.set(record.info.runId, target);
    return record;
  }

  /**
   * Writes a batch to the spool, synchronously: memory is freed inside the
   * call (the batcher spills from a logging call when over `maxQueue`), and
   * batches of a run land in the order they are spilled.
   */
  spill(batch: SpillBatch, why: "unavailable" | "overflow" | "exit" = "unavailable"): void {
    if (why !== "exit" && !this.#told.has(why)) { // at exit, the client tells once
      this.#told.add(why);
      this.#config.notify(
        why === "overflow"
          ? `more records wait than maxQueue allows: the overflow goes to ${this.path} and is sent from there`
          : `the server is unavailable; records are kept in ${this.path} until it answers`,
      );
    }
    const local = this.#localRun(batch.runId);
    // Batches of this run still in flight are older than these tags.
    this.#flights.overtaken(batch.runId, batch.tags);
    this.#writes++;
    this.#schedule();
    try {
      this.#store.logBatchSync({ ...batch, runId: local });
    } finally {
      this.spilledPoints += batch.points;
    }
  }

  #localRun(remoteRunId: string): string {
    const known = this.#spooled.get(remoteRunId);
    if (known !== undefined) return known.local;
    if (this.#spooled.size === 0) {
      makeFolders(this.path);
      writeAtomicSync(join(this.path, SPOOL_MARKER), "records waiting for a tracking server\n");
    }
    const target = this.#targetOf(remoteRunId);
    const created = this.#store.createRunSync({
      experimentId: "0",
      runName: `spool-${remoteRunId}`,
      startTime: Date.now(),
      tags: {},
    });
    const local = created.info.runId;
    // The run exists on the server: the sync record says so, and that the spool run's own
    // tags (its name) are not the server run's to receive.
    writeSyncStateSync(this.#store.runDirectorySync(local), target.key, {
      remoteRunId,
      params: [],
      tags: { ...created.data.tags },
      metricBytes: {},
    });
    this.#spooled.set(remoteRunId, { local, target });
    return local;
  }

  /**
   * At process exit, synchronously: writes a run's end into the spool (after
   * its records there), where `cli sync` sends it.
   */
  endAtExit(runId: string, status: EndStatus, endTime: number): void {
    const local = this.#localRun(runId);
    this.#writes++;
    this.#store.endRunSync(local, status, endTime);
  }

  async logBatch(batch: Batch): Promise<void> {
    const target = this.#targetOf(batch.runId);
    // Behind records already on disk (keep the order), or while the server is down.
    if (this.#down.has(target.key) || this.#spooled.has(batch.runId)) {
      return this.spill(toSpillBatch(batch));
    }
    const flight = this.#flights.start(batch.runId);
    const sending = target.backend.logBatch(batch);
    flight.done = sending.catch(() => {});
    try {
      await sending;
    } catch (err) {
      if (!(err instanceof UnavailableError)) throw err;
      this.#down.add(target.key);
      this.spill(toSpillBatch({ ...batch, tags: this.#flights.fresh(flight, batch.tags) }));
    } finally {
      this.#flights.end(batch.runId, flight);
    }
  }

  async updateRun(runId: string, update: RunUpdate): Promise<void> {
    // The end waits on disk with the records, and goes when they have gone.
    await this.#serverOrDisk(
      runId,
      (backend) => backend.updateRun(runId, update),
      (local) => this.#store.updateRun(local, update),
    );
  }

  /**
   * Sends to the run's server; straight to disk behind the run's records, or
   * while its server is known to be down, or when it proves unavailable now.
   */
  async #serverOrDisk(
    runId: string,
    send: (backend: Backend) => Promise<void>,
    write: (localRunId: string) => Promise<void>,
  ): Promise<void> {
    const target = this.#targetOf(runId);
    if (!this.#spooled.has(runId) && !this.#down.has(target.key)) {
      try {
        return await send(target.backend);
      } catch (err) {
        if (!(err instanceof UnavailableError)) throw err;
        this.#down.add(target.key);
      }
    }
    await this.#toDisk(runId, write);
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
    if (this.#spooled.size === 0) return;
    // Another process syncing this spool (`cli sync`) excludes us, and we it.
    const lock = tryLock(join(this.path, SYNC_LOCK));
    if (lock === undefined) {
      this.#delay = Math.min(this.#delay * 2, 60_000);
      return;
    }
    const report = emptyReport();
    let refused: Refusal[];
    try {
      refused = await this.#sendAll(report);
    } finally {
      lock.release();
      this.#delivered += report.metrics;
    }
    const records = this.#refusedRecords;
    this.#refusedRecords = [];
    if (refused.length > 0 || records.length > 0) {
      throw new DeliveryError(
        [...refused.map((r) => r.error), ...records],
        refused.reduce((n, r) => n + r.points, 0) + records.length,
      );
    }
    this.#delay = this.#config.retryMs;
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
   * One pass over the spooled runs, each to its own server; the runs of a
   * server that is still down wait for the next pass. Runs the server refuses
   * are moved aside; their refusals are returned.
   */
  async #sendAll(report: SyncReport): Promise<Refusal[]> {
    const refused: Refusal[] = [];
    const stillDown = new Set<string>();
    let unavailable: UnavailableError | undefined;
    for (const [remote, { local, target }] of [...this.#spooled]) {
      if (stillDown.has(target.key)) continue;
      // Sends of this run under way are older than what waits on disk: they land first.
      await this.#flights.landed(remote);
      try {
        await syncRun(this.#store, target.backend, target.key, local, {
          remoteExperimentId: () => {
            throw new Error("a spooled run always exists on the server");
          },
          report,
          onRefused: (error) => {
            this.#refusedRecords.push(error);
            this.#config.notify(`the server refused a spooled record: ${error.message}`);
          },
        });
        this.#down.delete(target.key);
        // Sent in full, unless something was written meanwhile: then forget it. The check
        // and the removal run with no write in between (writes are counted; removal is sync).
        const before = this.#writes;
        if (await hasUnsent(this.#store, local, target.key)) continue;
        if (this.#writes !== before || this.#pendingWrites > 0) continue;
        const dir = this.#store.runDirectorySync(local);
        this.#spooled.delete(remote);
        rmSync(dir, { recursive: true, force: true });
      } catch (err) {
        if (isRefusal(err)) {
          const aside = await this.#setAside(remote, local, target.key, err);
          if (aside !== undefined) refused.push(aside);
          continue;
        }
        if (!(err instanceof UnavailableError)) throw err;
        stillDown.add(target.key);
        unavailable = err;
      }
    }
    if (unavailable !== undefined) {
      this.#delay = Math.min(this.#delay * 2, 60_000);
      if (refused.length === 0) throw unavailable;
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
    targetKey: string,
    error: TrackingError,
  ): Promise<Refusal | undefined> {
    const points = await unsentPoints(this.#store, local, targetKey);
    if (this.#pendingWrites > 0) return undefined;
    const refusedStore = new FileBackend(join(this.path, ".refused"));
    await refusedStore.searchExperiments({}); // creates the store and its Default experiment
    writeAtomicSync(join(refusedStore.root, SPOOL_MARKER), "records a tracking server refused\n");
    const dir = this.#store.runDirectorySync(local);
    const target = join(refusedStore.root, "0", local);
    // No await from here on: no spill can land in the folder while it moves.
    makeFolders(join(target, ".."));
    renameSync(dir, target);
    this.#spooled.delete(remote);
    this.#config.notify(
      `the server refused the spooled records of run ${remote} (${error.message}); ` +
        `${points} point(s) and the rest of that run are kept in ${target}`,
    );
    return { error, points };
  }

  /** Stops retrying in the background (what is on disk stays there, for the next process). */
  stop(): void {
    this.leave();
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Marks every run this process has records of in the spool as left: the
   * next process with the same server sends them (synchronous, for exit).
   */
  leave(): void {
    const dirs: string[] = [];
    for (const { local } of this.#spooled.values()) {
      try {
        dirs.push(this.#store.runDirectorySync(local));
      } catch {
        // not on disk any more
      }
    }
    markLeft(dirs);
  }

  /** Once per server that answered: takes over the runs an earlier process left for it. */
  async #claimLeft(target: Target): Promise<void> {
    if (this.#claimed.has(target.key)) return;
    this.#claimed.add(target.key);
    try {
      for (const { remote, local } of await claimLeft(this.#store, target.key)) {
        if (this.#spooled.has(remote)) continue;
        this.#spooled.set(remote, { local, target });
        this.#runTargets.set(remote, target);
      }
    } catch {
      return; // no spool yet, or one we cannot read: nothing to claim
    }
    if (this.#spooled.size > 0) this.#schedule();
  }

  // Everything else goes straight to the server: the run's own, or the current one.
  async createExperiment(name: string, tags: Record<string, string>): Promise<string> {
    return await this.#config.current().backend.createExperiment(name, tags);
  }
  async getExperiment(experimentId: string): Promise<Experiment> {
    return await this.#config.current().backend.getExperiment(experimentId);
  }
  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    return await this.#config.current().backend.getExperimentByName(name);
  }
  async searchExperiments(query: ExperimentQuery): Promise<Experiment[]> {
    return await this.#config.current().backend.searchExperiments(query);
  }
  async deleteExperiment(experimentId: string): Promise<void> {
    return await this.#config.current().backend.deleteExperiment(experimentId);
  }
  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    return await this.#config.current().backend.setExperimentTag(experimentId, key, value);
  }
  async createRun(run: NewRun): Promise<RunRecord> {
    const target = this.#config.current();
    const created = this.#remember(await target.backend.createRun(run), target);
    await this.#claimLeft(target); // the server answers: what an earlier process left can go
    return created;
  }
  async getRun(runId: string): Promise<RunRecord> {
    const target = this.#targetOf(runId);
    return this.#remember(await target.backend.getRun(runId), target);
  }
  async searchRuns(query: RunQuery): Promise<RunRecord[]> {
    return await this.#config.current().backend.searchRuns(query);
  }
  async findRunByName(experimentId: string, name: string): Promise<RunRecord | undefined> {
    const target = this.#config.current();
    const found = await target.backend.findRunByName(experimentId, name);
    return found === undefined ? undefined : this.#remember(found, target);
  }
  async getMetricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    return await this.#targetOf(runId).backend.getMetricHistory(runId, key);
  }

  /**
   * Uploads an artifact; when the server is unavailable (or the run's records wait on disk),
   * a copy of the file waits in the spool run's artifacts and the drainer sends it.
   */
  async logArtifact(
    runId: string,
    source: string | Uint8Array,
    artifactPath: string,
  ): Promise<void> {
    await this.#serverOrDisk(
      runId,
      (backend) => backend.logArtifact(runId, source, artifactPath),
      (local) => this.#store.logArtifact(local, source, artifactPath),
    );
  }

  async listArtifacts(runId: string, path?: string): Promise<ArtifactEntry[]> {
    return await this.#targetOf(runId).backend.listArtifacts(runId, path);
  }

  async downloadArtifact(runId: string, path: string, dstFile: string): Promise<void> {
    await this.#targetOf(runId).backend.downloadArtifact(runId, path, dstFile);
  }

  /** The current server's logged models (none while it cannot be reached is its own to say). */
  loggedModels(): LoggedModels | undefined {
    return this.#config.current().backend.loggedModels?.();
  }

  async logInputs(runId: string, inputs: readonly DatasetInput[]): Promise<void> {
    await this.#serverOrDisk(
      runId,
      (backend) => backend.logInputs(runId, inputs),
      (local) => this.#store.logInputs(local, inputs),
    );
  }

  /** An asynchronous write into a run's spool folder, counted so no drain removes it midway. */
  async #toDisk(runId: string, write: (localRunId: string) => Promise<void>): Promise<void> {
    const local = this.#localRun(runId);
    this.#pendingWrites++;
    try {
      await write(local);
    } finally {
      this.#pendingWrites--;
      this.#writes++;
    }
    this.#schedule();
  }
}
