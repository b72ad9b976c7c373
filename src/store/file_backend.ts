/**
 * The offline {@linkcode Backend}: MLflow's FileStore layout on disk, readable
 * by `mlflow ui` and `MlflowClient("file:...")`.
 *
 * ```
 * <root>/<experiment>/meta.yaml, tags/<key>
 * <root>/<experiment>/<run>/meta.yaml, metrics/<key>, params/<key>, tags/<key>, artifacts/
 * <root>/.trash/<experiment>      deleted experiments
 * ```
 *
 * A metric file holds lines `<timestamp_ms> <value> <step>`, appended once per
 * batch with a single write; params, tags and `meta.yaml` are replaced by
 * rename, so no file is ever left half-written.
 *
 * Why it is long: it implements the whole `Backend` interface (experiments,
 * runs, search, history, artifacts, inputs) over one folder layout, and
 * every method is a few lines over the helpers beside it (`batch_files.ts`,
 * `meta_files.ts`, `key_values.ts`, `dataset_files.ts`, `file_lock.ts`).
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { readdir, readFile, rename } from "node:fs/promises";
import { join, resolve } from "node:path";
import type {
  Backend,
  Batch,
  ExperimentQuery,
  NewRun,
  RunQuery,
  RunUpdate,
  SpillBatch,
} from "../core/backend.ts";
import { AlreadyExistsError, NotFoundError, TrackingError } from "../core/errors.ts";
import {
  createExclusiveSync,
  exists,
  keyPath,
  writeAtomic,
  writeAtomicSync,
} from "../core/file_io.ts";
import { folderMode, keepPrivate, makeFolders } from "../core/file_modes.ts";
import { acquireLock } from "./file_lock.ts";
import { checkExperimentId, checkRunId } from "./store_ids.ts";
import { comparator, matches, parseFilter, parseOrderBy } from "../core/filter.ts";
import { readMeta, writeMeta } from "./meta_yaml.ts";
import { triplesByKey } from "./metric_lines.ts";
import { parsePoints } from "./metric_scan.ts";
import { LatestMetrics } from "./latest_metrics.ts";
import { writeBatch } from "./batch_files.ts";
import { DATASETS, readInputs, writeInputs } from "./dataset_files.ts";
import {
  experimentMetaText,
  experimentOf,
  experimentReader,
  newRun,
  runInfoOf,
  runMetaText,
  runReader,
} from "./meta_files.ts";
import {
  listKeysSync,
  putTags,
  readKeyValues,
  readKeyValuesSync,
  readMetaFile,
  readMetaFileSync,
} from "./key_values.ts";
import type { ArtifactEntry } from "../core/types.ts";
import { LocalArtifacts } from "../artifacts/local_artifacts.ts";
import { FileLoggedModels } from "./logged_model_files.ts";
import type {
  DatasetInput,
  EndStatus,
  Experiment,
  MetricPoint,
  RunInfo,
  RunRecord,
} from "../core/types.ts";

const TRASH = ".trash";
/** How long a search reads runs before it lets the process do something else, in ms. */
const YIELD_MS = 10;
const decoder = new TextDecoder();
/** Folders of an experiment that hold no run (its tags; datasets its runs used; logged models). */
const NOT_RUNS = new Set(["tags", DATASETS, "models"]);
/** The lock file experiments are created under (a file: no experiment listing sees it). */
const EXPERIMENTS_LOCK = ".experiments.lock";
/** The file marking a store as a spool (`SPOOL_MARKER` of `sync/`, which this layer cannot import). */
const SPOOL_MARK = ".spool";

/** How a {@linkcode FileBackend} keeps its files. */
export interface FileBackendOptions {
  /**
   * Keep every file and folder to the owner (0600 and 0700, as the spool's):
   * the store's records are sent later under the user's key. A store holding
   * the spool's marker (`.spool`) is kept private anyway.
   */
  private?: boolean;
}

/**
 * A {@linkcode Backend} over a local directory in MLflow's FileStore layout.
 * Every experiment and run id is checked against what the store makes
 * (`store_ids.ts`) before it becomes a path.
 */
export class FileBackend implements Backend {
  /** The store's root directory, absolute. */
  readonly root: string;
  readonly #runDirs = new Map<string, string>();
  #initialized = false;
  readonly #notify: (message: string) => void;
  /** Bad metric lines already told of (file and line), so each is told once. */
  readonly #toldBadLines = new Set<string>();
  /** The latest value of each metric, read through the runs' summaries. */
  readonly #latest = new LatestMetrics((path, where, content) =>
    this.badLine(path, where, content)
  );

  /**
   * A store at `root` (created, with the Default experiment, on first use);
   * `notify` hears of what is worth knowing but no failure (a metric line that
   * does not parse, skipped).
   */
  constructor(
    root: string,
    notify: (message: string) => void = () => {},
    options: FileBackendOptions = {},
  ) {
    this.root = resolve(root);
    this.#notify = notify;
    if (options.private === true) keepPrivate(this.root);
  }

  /** Reads a metric file's points, skipping (and telling once of) lines that do not parse. */
  async #readPoints(path: string, key: string): Promise<MetricPoint[]> {
    const bytes = await readFile(path).catch(() => new Uint8Array(0));
    return parsePoints(
      key,
      decoder.decode(bytes),
      (line, content) => this.badLine(path, `line ${line}`, content),
    );
  }

  /** Tells once of a metric line that is not `<timestamp> <value> <step>` (it is skipped). */
  badLine(path: string, where: string, content: string): void {
    const id = `${path}:${where}`;
    if (this.#toldBadLines.has(id)) return;
    this.#toldBadLines.add(id);
    this.#notify(
      `${path}, ${where}: ${JSON.stringify(content)} is not '<timestamp> <value> <step>'; skipped`,
    );
  }

  /**
   * Creates the store's folders and its Default experiment, safely when
   * processes race to (each step is idempotent, `meta.yaml` appears whole or
   * not at all); a failure is not remembered, the next call tries again.
   */
  #initSync(): void {
    if (this.#initialized) return;
    // A spool opened as a plain store (`cli sync <spool>`) keeps what it adds private too.
    if (existsSync(join(this.root, SPOOL_MARK))) keepPrivate(this.root);
    makeFolders(join(this.root, TRASH));
    const dir = join(this.root, "0");
    makeFolders(dir);
    createExclusiveSync(join(dir, "meta.yaml"), experimentMetaText(dir, "0", "Default"));
    this.#initialized = true;
  }

  #ready(): Promise<void> {
    this.#initSync();
    return Promise.resolve();
  }

  async #experimentDirs(): Promise<{ id: string; dir: string }[]> {
    await this.#ready();
    const out: { id: string; dir: string }[] = [];
    for (const base of [this.root, join(this.root, TRASH)]) {
      for (const e of await readdir(base, { withFileTypes: true })) {
        if (e.isDirectory() && e.name !== TRASH && !e.name.startsWith(".")) {
          out.push({ id: e.name, dir: join(base, e.name) });
        }
      }
    }
    return out;
  }

  async #readExperiment(dir: string): Promise<Experiment> {
    const m = await readMetaFile(join(dir, "meta.yaml"), ["experiment_id", "name"]);
    return experimentOf(m, await readKeyValues(join(dir, "tags")));
  }

  async #experimentDir(id: string): Promise<string> {
    checkExperimentId(id); // before it becomes a path
    await this.#ready();
    for (const dir of [join(this.root, id), join(this.root, TRASH, id)]) {
      if (await exists(dir)) return dir;
    }
    throw new NotFoundError(`no experiment with id ${id} in ${this.root}`, {
      code: "RESOURCE_DOES_NOT_EXIST",
    });
  }

  async #allExperiments(): Promise<{ experiment: Experiment; dir: string }[]> {
    const out = [];
    for (const { dir } of await this.#experimentDirs()) {
      try {
        out.push({ experiment: await this.#readExperiment(dir), dir });
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err; // a folder that is no experiment
      }
    }
    return out;
  }

  /**
   * Creates an experiment under the store's experiments lock, so two processes
   * creating one name make one experiment (the second is told it exists).
   */
  async createExperiment(name: string, tags: Record<string, string>): Promise<string> {
    this.#initSync();
    const lock = await acquireLock(join(this.root, EXPERIMENTS_LOCK), {
      staleMs: 10_000,
      waitMs: 60_000,
    });
    try {
      const all = await this.#allExperiments();
      if (all.some((e) => e.experiment.name === name)) {
        throw new AlreadyExistsError(`experiment '${name}' already exists`, {
          code: "RESOURCE_ALREADY_EXISTS",
        });
      }
      let next = Math.max(0, ...all.map((e) => Number(e.experiment.experimentId) || 0)) + 1;
      for (;; next++) {
        const dir = join(this.root, String(next));
        try {
          mkdirSync(dir, { mode: folderMode(dir) }); // a crashed create's folder keeps its id taken
        } catch (err) {
          if ((err as { code?: string }).code === "EEXIST") continue;
          throw err;
        }
        putTags(join(dir, "tags"), tags);
        createExclusiveSync(join(dir, "meta.yaml"), experimentMetaText(dir, String(next), name));
        return String(next);
      }
    } finally {
      lock.release();
    }
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    return await this.#readExperiment(await this.#experimentDir(experimentId));
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    return (await this.#allExperiments()).find((e) => e.experiment.name === name)?.experiment;
  }

  async searchExperiments(query: ExperimentQuery): Promise<Experiment[]> {
    const clauses = parseFilter(query.filter);
    const view = query.viewType ?? "ACTIVE_ONLY";
    const read = experimentReader;
    const found = (await this.#allExperiments()).map((e) => e.experiment).filter((e) =>
      (view === "ALL" || (view === "ACTIVE_ONLY") === (e.lifecycleStage === "active")) &&
      matches(clauses, read(e))
    );
    const order = parseOrderBy(query.orderBy);
    found.sort(comparator(
      order.length > 0 ? order : [{ kind: "attribute", key: "experiment_id", ascending: true }],
      read,
    ));
    return found.slice(0, query.maxResults ?? Infinity);
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    checkExperimentId(experimentId); // before it becomes a path (and the trash's)
    if (experimentId === "0") {
      throw new TrackingError("the Default experiment cannot be deleted", {
        code: "INVALID_PARAMETER_VALUE",
      });
    }
    const dir = await this.#experimentDir(experimentId);
    const metaPath = join(dir, "meta.yaml");
    const meta = await readMetaFile(metaPath, ["experiment_id", "name"]);
    await writeAtomic(
      metaPath,
      writeMeta({ ...meta, lifecycle_stage: "deleted", last_update_time: Date.now() }),
    );
    const trashed = join(this.root, TRASH, experimentId);
    if (dir !== trashed) await rename(dir, trashed);
    this.#runDirs.clear();
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    putTags(join(await this.#experimentDir(experimentId), "tags"), { [key]: value });
  }

  async createRun(run: NewRun): Promise<RunRecord> {
    const expDir = await this.#experimentDir(run.experimentId);
    const experiment = await this.#readExperiment(expDir);
    if (experiment.lifecycleStage !== "active") {
      throw new TrackingError(`experiment ${run.experimentId} is deleted`, {
        code: "INVALID_PARAMETER_VALUE",
      });
    }
    return this.#createRunIn(expDir, run);
  }

  /** Makes a run's folder and files in an experiment's folder. */
  #createRunIn(expDir: string, run: NewRun): RunRecord {
    const runId = crypto.randomUUID().replace(/-/g, "");
    const dir = join(expDir, runId);
    for (const sub of ["metrics", "params", "tags", "artifacts"]) makeFolders(join(dir, sub));
    const { info, tags } = newRun(run, runId, dir);
    putTags(join(dir, "tags"), tags);
    writeAtomicSync(join(dir, "meta.yaml"), runMetaText(dir, info, tags["mlflow.user"] ?? ""));
    this.#runDirs.set(runId, dir);
    return { info, data: { metrics: {}, params: {}, tags } };
  }

  async #writeRunMeta(dir: string, info: RunInfo, user: string): Promise<void> {
    await writeAtomic(join(dir, "meta.yaml"), runMetaText(dir, info, user));
  }

  /**
   * Creates a run synchronously (the spool makes one when the in-memory bound
   * is crossed inside a logging call, which cannot wait).
   */
  createRunSync(run: NewRun): RunRecord {
    checkExperimentId(run.experimentId);
    this.#initSync();
    const expDir = join(this.root, run.experimentId);
    if (!existsSync(join(expDir, "meta.yaml"))) {
      throw new NotFoundError(`no experiment with id ${run.experimentId} in ${this.root}`, {
        code: "RESOURCE_DOES_NOT_EXIST",
      });
    }
    return this.#createRunIn(expDir, run);
  }

  /**
   * Appends a batch synchronously to a run this backend knows the folder of
   * (created or read by it), so memory is freed inside the logging call that
   * crossed the bound. Throws when the folder is not known.
   */
  logBatchSync(batch: SpillBatch): void {
    const dir = this.#runDirs.get(batch.runId);
    if (dir === undefined) {
      throw new NotFoundError(`run ${batch.runId} is not open in ${this.root}`);
    }
    writeBatch(dir, batch);
  }

  async #runDir(runId: string): Promise<string> {
    checkRunId(runId); // before it becomes a path
    const known = this.#runDirs.get(runId);
    if (known !== undefined && await exists(known)) return known;
    for (const { dir } of await this.#experimentDirs()) {
      const candidate = join(dir, runId);
      if (await exists(candidate)) {
        this.#runDirs.set(runId, candidate);
        return candidate;
      }
    }
    throw new NotFoundError(`no run with id ${runId} in ${this.root}`, {
      code: "RESOURCE_DOES_NOT_EXIST",
    });
  }

  async #readRunInfo(dir: string): Promise<{ info: RunInfo; user: string }> {
    const m = await readMetaFile(join(dir, "meta.yaml"), ["experiment_id"]);
    if (m.run_id == null && m.run_uuid == null) {
      throw new TrackingError(`the store file ${join(dir, "meta.yaml")} is corrupt: no run_id`, {
        code: "CORRUPT_STORE",
      });
    }
    return { info: runInfoOf(m), user: String(m.user_id ?? "") };
  }

  /**
   * A run read whole (info, latest metric values, params, tags), synchronously:
   * many small files, each read synchronously at a tenth of an asynchronous
   * read's cost; a search yields between runs.
   */
  #readRunSync(dir: string): RunRecord {
    const m = readMetaFileSync(join(dir, "meta.yaml"), ["experiment_id"]);
    if (m.run_id == null && m.run_uuid == null) {
      throw new TrackingError(`the store file ${join(dir, "meta.yaml")} is corrupt: no run_id`, {
        code: "CORRUPT_STORE",
      });
    }
    return {
      info: runInfoOf(m),
      data: {
        metrics: this.#latest.read(dir, listKeysSync(join(dir, "metrics"))),
        params: readKeyValuesSync(join(dir, "params")),
        tags: readKeyValuesSync(join(dir, "tags")),
      },
    };
  }

  async updateRun(runId: string, update: RunUpdate): Promise<void> {
    const dir = await this.#runDir(runId);
    const { info, user } = await this.#readRunInfo(dir);
    if (update.status !== undefined) {
      info.status = update.status;
      if (update.status === "RUNNING") delete info.endTime;
    }
    if (update.endTime !== undefined) info.endTime = update.endTime;
    if (update.runName !== undefined) {
      info.runName = update.runName;
      await putTags(join(dir, "tags"), { "mlflow.runName": update.runName });
    }
    await this.#writeRunMeta(dir, info, user);
  }

  /**
   * Ends a run this backend knows the folder of, synchronously (at process
   * exit, when nothing async runs any more): its status and end time in
   * `meta.yaml`. Throws when the folder is not known.
   */
  endRunSync(runId: string, status: EndStatus, endTime: number): void {
    const dir = this.#runDirs.get(runId);
    if (dir === undefined) throw new NotFoundError(`run ${runId} is not open in ${this.root}`);
    const path = join(dir, "meta.yaml");
    const m = readMeta(readFileSync(path, "utf8"));
    const info = { ...runInfoOf(m), status, endTime };
    writeAtomicSync(path, runMetaText(dir, info, String(m.user_id ?? "")));
  }

  async getRun(runId: string): Promise<RunRecord> {
    const record = this.#readRunSync(await this.#runDir(runId));
    const inputs = await this.readInputs(runId);
    if (inputs.length > 0) record.inputs = inputs;
    return record;
  }

  /** Deletes a run softly (its lifecycle becomes `deleted`). */
  async deleteRun(runId: string): Promise<void> {
    const dir = await this.#runDir(runId);
    const { info, user } = await this.#readRunInfo(dir);
    info.lifecycleStage = "deleted";
    await this.#writeRunMeta(dir, info, user);
  }

  /** A run's info, params and tags, without reading its metric files (used by sync). */
  async getRunMeta(runId: string): Promise<RunRecord> {
    const dir = await this.#runDir(runId);
    const { info } = await this.#readRunInfo(dir);
    return {
      info,
      data: {
        metrics: {},
        params: await readKeyValues(join(dir, "params")),
        tags: await readKeyValues(join(dir, "tags")),
      },
    };
  }

  /** The ids of an experiment's active runs, oldest first, without reading them whole. */
  async listRunIds(experimentId: string): Promise<string[]> {
    const expDir = await this.#experimentDir(experimentId);
    const runs: { id: string; start: number }[] = [];
    for (const e of await readdir(expDir, { withFileTypes: true })) {
      if (!e.isDirectory() || NOT_RUNS.has(e.name)) continue;
      try {
        const { info } = await this.#readRunInfo(join(expDir, e.name));
        this.#runDirs.set(info.runId, join(expDir, e.name));
        if (info.lifecycleStage === "active") runs.push({ id: info.runId, start: info.startTime });
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err; // not a run folder
      }
    }
    return runs.sort((a, b) => a.start - b.start).map((r) => r.id);
  }

  /**
   * The newest active run of that name, found from each run's `meta.yaml` (and
   * its `mlflow.runName` tag when the meta has no name): no metric file is read.
   */
  async findRunByName(experimentId: string, name: string): Promise<RunRecord | undefined> {
    let expDir: string;
    try {
      expDir = await this.#experimentDir(experimentId);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
    let best: { info: RunInfo; dir: string } | undefined;
    for (const e of await readdir(expDir, { withFileTypes: true })) {
      if (!e.isDirectory() || NOT_RUNS.has(e.name)) continue;
      const dir = join(expDir, e.name);
      let info: RunInfo;
      try {
        ({ info } = await this.#readRunInfo(dir));
      } catch (err) {
        if (err instanceof NotFoundError) continue; // not a run folder
        throw err;
      }
      if (info.lifecycleStage !== "active") continue;
      const runName = info.runName !== ""
        ? info.runName
        : await readFile(keyPath(join(dir, "tags"), "mlflow.runName"), "utf8").catch(() => "");
      if (runName !== name) continue;
      if (best === undefined || info.startTime > best.info.startTime) best = { info, dir };
    }
    if (best === undefined) return undefined;
    this.#runDirs.set(best.info.runId, best.dir);
    best.info.runName = name;
    return {
      info: best.info,
      data: {
        metrics: {},
        params: await readKeyValues(join(best.dir, "params")),
        tags: await readKeyValues(join(best.dir, "tags")),
      },
    };
  }

  /** The directory of a run this backend created or has read. */
  runDirectorySync(runId: string): string {
    const dir = this.#runDirs.get(runId);
    if (dir === undefined) throw new NotFoundError(`run ${runId} is not open in ${this.root}`);
    return dir;
  }

  /** The directory of a run, to read its files (used by sync). */
  runDirectory(runId: string): Promise<string> {
    return this.#runDir(runId);
  }

  async searchRuns(query: RunQuery): Promise<RunRecord[]> {
    const clauses = parseFilter(query.filter);
    const view = query.viewType ?? "ACTIVE_ONLY";
    const found: RunRecord[] = [];
    for (const experimentId of query.experimentIds) {
      let expDir: string;
      try {
        expDir = await this.#experimentDir(experimentId);
      } catch (err) {
        if (err instanceof NotFoundError) continue; // a bad id is refused, not skipped
        throw err;
      }
      const dirs = (await readdir(expDir, { withFileTypes: true }))
        .filter((e) => e.isDirectory() && !NOT_RUNS.has(e.name))
        .map((e) => join(expDir, e.name));
      const runs: (RunRecord | undefined)[] = [];
      let since = performance.now();
      for (const dir of dirs) {
        try {
          runs.push(this.#readRunSync(dir));
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
          runs.push(undefined); // not a run folder
        }
        if (performance.now() - since > YIELD_MS) { // let the process serve others meanwhile
          await new Promise((resolve) => setTimeout(resolve, 0));
          since = performance.now();
        }
      }
      for (let i = 0; i < dirs.length; i++) {
        const run = runs[i];
        if (run === undefined) continue;
        const dir = dirs[i];
        this.#runDirs.set(run.info.runId, dir);
        const stage = run.info.lifecycleStage;
        if (view !== "ALL" && (view === "ACTIVE_ONLY") !== (stage === "active")) continue;
        if (matches(clauses, runReader(run))) found.push(run);
      }
    }
    const order = parseOrderBy(query.orderBy);
    found.sort(comparator(
      [...order, { kind: "attribute", key: "start_time", ascending: false }],
      runReader,
    ));
    return found.slice(0, query.maxResults ?? Infinity);
  }

  async logBatch(batch: Batch): Promise<void> {
    const dir = await this.#runDir(batch.runId);
    const { info } = await this.#readRunInfo(dir);
    if (info.lifecycleStage !== "active") {
      throw new TrackingError(`run ${batch.runId} is deleted`, { code: "INVALID_PARAMETER_VALUE" });
    }
    writeBatch(dir, {
      ...batch,
      metrics: triplesByKey(batch.metrics),
      points: batch.metrics.length,
    });
  }

  /** A run's artifacts: the folder `<run>/artifacts/`, as MLflow's file store keeps them. */
  async #artifacts(runId: string): Promise<LocalArtifacts> {
    return new LocalArtifacts(join(await this.#runDir(runId), "artifacts"));
  }

  async logArtifact(
    runId: string,
    source: string | Uint8Array,
    artifactPath: string,
  ): Promise<void> {
    await (await this.#artifacts(runId)).put(source, artifactPath);
  }

  async listArtifacts(runId: string, path?: string): Promise<ArtifactEntry[]> {
    return await (await this.#artifacts(runId)).list(path);
  }

  async downloadArtifact(runId: string, path: string, dstFile: string): Promise<void> {
    await (await this.#artifacts(runId)).get(path, dstFile);
  }

  /** Records datasets as MLflow's file store does (see `dataset_files.ts`). */
  #loggedModels: FileLoggedModels | undefined;

  /** MLflow 3's logged models, in the layout MLflow's file store writes. */
  loggedModels(): FileLoggedModels {
    this.#loggedModels ??= new FileLoggedModels(this.root, (id) => this.runDirectory(id));
    return this.#loggedModels;
  }

  async logInputs(runId: string, inputs: readonly DatasetInput[]): Promise<void> {
    writeInputs(await this.#runDir(runId), runId, inputs);
  }

  /** The datasets a run recorded. */
  async readInputs(runId: string): Promise<DatasetInput[]> {
    return await readInputs(await this.#runDir(runId));
  }

  async getMetricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    const path = keyPath(join(await this.#runDir(runId), "metrics"), key);
    const points = await this.#readPoints(path, key);
    // Appends are mostly in order: sort only when needed (the sort is stable either way).
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1];
      const b = points[i];
      if (a.step > b.step || (a.step === b.step && a.timestamp > b.timestamp)) {
        return points.sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
      }
    }
    return points;
  }
}
