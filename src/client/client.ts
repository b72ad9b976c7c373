/**
 * {@linkcode TrackingClient}: experiments, runs and logging against OICM
 * Tracking or any MLflow tracking server.
 *
 * Why this file is long: it is the public surface of the one public class
 * (43 members, each with its doc), kept as one class as users see it. The work
 * lives beside it, one concern per file: `servers.ts` (endpoints, transports,
 * OICM's check), `backends.ts` (offline store or server behind the spool),
 * `run_opening.ts` and `run_ending.ts` (a run's start and end), `transfers.ts`
 * and `artifact_reads.ts` (artifacts), `closing.ts` (flush and close).
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Backend } from "../core/backend.ts";
import { errorTags } from "../core/error_tags.ts";
import {
  DeliveryError,
  toTrackingError,
  type TrackingError,
  ValidationError,
} from "../core/errors.ts";
import type {
  ArtifactEntry,
  EndStatus,
  Experiment,
  MetricPoint,
  RunRecord,
  TagsInput,
} from "../core/types.ts";
import { normalizeTags, validateExperimentName, validateId } from "../core/validate.ts";
import { checkArtifactPath } from "../artifacts/paths.ts";
import { Batcher, type RunRef } from "../delivery/batcher.ts";
import type { SpoolingBackend } from "../delivery/spool.ts";
import type { HealthReport } from "../rest/oicm_health.ts";
import { FileBackend } from "../store/file_backend.ts";
import { syncStore } from "../sync/sync.ts";
import type { SyncProgress, SyncReport } from "../sync/sync_record.ts";
import { type SystemMetricsOptions, SystemMonitor } from "../system_metrics/system_metrics.ts";
import { downloadArtifacts } from "./artifact_reads.ts";
import { Pace } from "../delivery/pace.ts";
import { endpointFor, multipartOf, type Records, recordsFor, transportOf } from "./backends.ts";
import { readEnv } from "./env.ts";
import { knownSecrets } from "./known_secrets.ts";
import type { Secrets } from "../http/secrets.ts";
import { ExperimentsByName } from "./experiments.ts";
import {
  checkOptions,
  notOicm,
  type SearchExperimentsOptions,
  type SearchRunsOptions,
  type SetExperimentOptions,
  type StartRunOptions,
  type TrackingClientOptions,
} from "./options.ts";
import { type MetricOptions, Recorder } from "./recorder.ts";
import { type CreatedRun, Run, type RunOwner } from "./run.ts";
import { createOrResume, createRunAtOnce } from "./run_opening.ts";
import { type ExitSaver, unwatchExit, watchExit } from "./exit_hooks.ts";
import { exitNotice, saveAtExit } from "./exit_save.ts";
import { type EndingParts, endRun } from "./run_ending.ts";
import { closeAll, flushAll } from "./closing.ts";
import { Servers } from "./servers.ts";
import { type LoadedModel, loadModelInto } from "../models/load_model.ts";
import { parseModelUri } from "../models/model_uri.ts";
import { sendModel } from "../models/send_model.ts";
import { Transfers, type TransferWork } from "./transfers.ts";

/**
 * The run that logging calls go to inside a scope (a `@tracked` call): it wins
 * over the client's own active run, so concurrent calls each log to theirs.
 */
export const runScope: AsyncLocalStorage<Run> = new AsyncLocalStorage<Run>();

/** What `fromEnv` has said already (the offline choice, unread variables): each once. */
const toldFromEnv = new Set<string>();

/**
 * Records experiments in OICM Tracking or any MLflow tracking server.
 *
 * Logging calls (`logMetric`, `logParam`, ...) validate and queue at once and
 * never await the network; `flush()`, `endRun()` and `close()` deliver and
 * report what failed.
 *
 * @example Quickstart against the in-process fake server
 * ```ts
 * import { TrackingClient } from "@oicm/tracking";
 * import { FakeMlflowServer } from "@oicm/tracking/testing";
 *
 * const server = new FakeMlflowServer();
 * const client = new TrackingClient({ apiHost: "http://fake", fetch: server.fetch });
 * await client.setExperiment("mnist");
 * const run = await client.startRun({ runName: "baseline", tags: ["baseline"] });
 * client.logParam("lr", 0.01);
 * client.logMetric("loss", 0.3, { step: 1 });
 * await run.end();
 * console.log((await client.getRun(run.runId)).data.metrics); // { loss: 0.3 }
 * await client.close();
 * ```
 */
export class TrackingClient {
  readonly #servers: Servers;
  readonly #backend: Backend;
  readonly #createRunNow: Records["createRunNow"];
  readonly #batcher: Batcher;
  readonly #recorder: Recorder;
  readonly #owner: RunOwner;
  #experimentId: string | undefined;
  /** Runs started with startRun, innermost last. */
  readonly #active: Run[] = [];
  /** Every run opened and not yet ended (also those opened in the background). */
  readonly #open = new Set<Run>();
  /** Work started in the background (run creation, ends) that flush() waits for. */
  readonly #background = new Set<Promise<unknown>>();
  readonly #experiments: ExperimentsByName;
  /** Failures of background ends, for the next flush(). */
  readonly #detachedFailures: TrackingError[] = [];
  /** Artifact uploads and inputs under way (a run's end waits for its own). */
  readonly #transfers: Transfers;
  readonly #onError: (error: DeliveryError) => void;
  readonly #notice: (message: string) => void;
  /** Every value this client knows to be a secret. */
  readonly #secrets: Secrets;
  /** What {@linkcode notice} has told already. */
  readonly #told = new Set<string>();
  readonly #systemMetrics: { enabled: boolean | undefined; options: SystemMetricsOptions };
  /** The run a start with no name or id attaches to (`MLFLOW_RUN_ID`). */
  readonly #envRunId: string | undefined;
  /** The experiment runs go to until `setExperiment` (`MLFLOW_EXPERIMENT_ID` / `_NAME`). */
  #envExperiment: { id?: string; name?: string } | undefined;
  readonly #monitors = new Map<Run, SystemMonitor>();
  /** What ending a run touches. */
  readonly #ending: EndingParts;
  readonly #spool: SpoolingBackend | undefined;
  readonly #closeTimeoutMs: number;
  #lastRun: Run | undefined;
  #closed = false;
  /** Runs whose end was asked for and has not landed, with the status asked for. */
  readonly #endsUnderWay = new Map<Run, EndStatus>();
  /** Saves queued records and ends open runs at process exit (watched while runs are open). */
  readonly #exitSaver: ExitSaver;

  /** Builds a client; options are checked at once (a `ValidationError` names a bad one). */
  constructor(options: TrackingClientOptions) {
    const opts = checkOptions(options);
    this.#onError = opts.onError ?? ((e) => console.error(`[tracking] ${e.message}`));
    this.#closeTimeoutMs = opts.closeTimeoutMs ?? 30_000;
    this.#secrets = knownSecrets(opts);
    const tell = opts.onNotice ?? ((m) => console.warn(`[tracking] ${m}`));
    // No notice repeats a secret the client knows (its key, Basic credentials, the workload key).
    this.#notice = (m) => tell(this.#secrets.scrub(m));
    // As the Python clients: OICM's samples system metrics by default, MLflow's does not.
    this.#systemMetrics = { enabled: opts.logSystemMetrics, options: opts.systemMetrics ?? {} };
    this.#envRunId = opts.runId;
    if (opts.experimentId !== undefined || opts.experimentName !== undefined) {
      this.#envExperiment = { id: opts.experimentId, name: opts.experimentName };
    }
    // Overload seen by any request paces the queue (group backoff; see delivery/pace.ts).
    const pace = new Pace({
      maxInFlight: 2,
      waiting: () => this.#batcher.pending,
      notify: this.#notice,
    });
    this.#servers = new Servers({
      endpoint: endpointFor(opts),
      transport: transportOf(opts, this.#notice, (signal) => pace.observe(signal)),
      multipart: multipartOf(opts),
      workspaceId: opts.workspaceId,
      notify: this.#notice,
    });
    const records = recordsFor(
      opts,
      this.#servers.endpoint,
      () => this.#servers.target(),
      this.#notice,
    );
    this.#backend = records.backend;
    this.#createRunNow = records.createRunNow;
    this.#spool = records.spool;
    this.#experiments = new ExperimentsByName(this.#backend);
    this.#batcher = new Batcher({
      backend: this.#backend,
      flushIntervalMs: opts.flushIntervalMs ?? 1000,
      onError: this.#onError,
      maxQueue: opts.maxQueue ?? 1_000_000,
      spill: records.spill,
      pace,
    });
    this.#recorder = new Recorder(this.#batcher);
    this.#transfers = new Transfers(
      (runId, work) => this.#send(runId, work),
      this.#onError,
      (work) => void this.#track(work),
    );
    this.#exitSaver = {
      saveAtExit: (status) => {
        unwatchExit(this.#exitSaver);
        saveAtExit({
          batcher: this.#batcher,
          open: this.#open,
          ending: this.#endsUnderWay,
          writeAtExit: records.writeAtExit,
          endAtExit: records.endAtExit,
          leave: () => this.#spool?.leave(),
          notify: (saved) => this.#notice(exitNotice(saved, this.#servers, this.#spool)),
        }, status);
      },
    };
    this.#ending = {
      backend: this.#backend,
      batcher: this.#batcher,
      recorder: this.#recorder,
      transfers: this.#transfers,
      monitors: this.#monitors,
    };
    this.#owner = {
      finish: (run, ref, status) => this.#finish(run, ref, status),
      reportDetached: (err) => {
        const error = toTrackingError(err);
        this.#detachedFailures.push(error);
        // The batcher already told onError of records it could not deliver.
        if (!(error instanceof DeliveryError)) this.#onError(new DeliveryError([error], 0));
      },
      transfer: <T>(run: Run, work: TransferWork) => this.#transfers.start<T>(run, work),
      notice: (message) => this.notice(message),
    };
  }

  /** Sends artifacts, or records inputs, of a run that exists. */
  async #send(runId: string, work: TransferWork): Promise<unknown> {
    if ("inputs" in work) return await this.#backend.logInputs(runId, work.inputs);
    if ("model" in work) return await sendModel(this.#backend, runId, work.model);
    for (const upload of work) {
      await this.#backend.logArtifact(runId, upload.source, upload.artifactPath);
    }
  }

  /**
   * Builds a client from the environment, synchronously: `OICM_TRACKING_API_HOST`,
   * `OICM_TRACKING_API_KEY`, `OICM_WORKSPACE_ID` and `OIP_WORKLOAD_ID` for OICM
   * (OICM's Python names `OIP_TRACKING_SERVER` and `OIP_WORKLOAD_ACCESS_KEY` work
   * too), or `MLFLOW_TRACKING_URI` with `MLFLOW_TRACKING_TOKEN` (or
   * `MLFLOW_TRACKING_USERNAME`/`MLFLOW_TRACKING_PASSWORD`) for a plain MLflow server.
   *
   * @example
   * ```ts ignore
   * import { TrackingClient } from "@oicm/tracking";
   * const client = TrackingClient.fromEnv({ flushIntervalMs: 500 });
   * ```
   */
  static fromEnv(overrides: Partial<TrackingClientOptions> = {}): TrackingClient {
    const { options, notices } = readEnv(overrides);
    let client: TrackingClient;
    try {
      client = new TrackingClient(options);
    } catch (err) {
      // A key held back from this host (it belongs to another) is why one is missing: say so.
      const withheld = notices.filter((n) => / is not sent to /.test(n));
      if (!(err instanceof ValidationError) || withheld.length === 0) throw err;
      throw new ValidationError(`${err.message} (${withheld.join("; ")})`);
    }
    for (const notice of notices) {
      if (toldFromEnv.has(notice)) continue; // once per process
      toldFromEnv.add(notice);
      client.#notice(notice);
    }
    return client;
  }

  /** `"oicm"` when the API host ends in `/api/tracking`, `"offline"` for a local store, else `"mlflow"`. */
  get serverKind(): "oicm" | "mlflow" | "offline" {
    return this.#servers.endpoint.kind;
  }

  /** The id of the active experiment, if one was set. */
  get experimentId(): string | undefined {
    return this.#experimentId;
  }

  /** The active OICM workspace, if one was set. */
  get workspaceId(): string | undefined {
    return this.#servers.workspaceId;
  }

  /**
   * Checks the server now: on OICM, `GET {apiHost}/liveness` and
   * `GET {apiHost}/version` (at least 1.13.0), as OICM's Python client does
   * before its first request (this client does too, once); on a plain MLflow
   * server, `GET /health` and `GET /version`; offline, that the store can be
   * read. Rejects with one error naming the host and the cause.
   *
   * @example
   * ```ts
   * import { TrackingClient } from "@oicm/tracking";
   * import { FakeMlflowServer } from "@oicm/tracking/testing";
   * const server = new FakeMlflowServer({ apiKey: "k", oicm: true });
   * const client = new TrackingClient({ apiHost: "http://fake/api/tracking", apiKey: "k", fetch: server.fetch });
   * console.log(await client.healthCheck()); // { kind: "oicm", host: "http://fake/api/tracking", version: "1.13.0" }
   * ```
   */
  async healthCheck(): Promise<HealthReport> {
    const { kind, base } = this.#servers.endpoint;
    if (kind !== "offline") return await this.#servers.check();
    await this.#backend.getExperiment("0");
    return { kind, host: base };
  }

  #checkOpen(): void {
    if (this.#closed) throw new ValidationError("this TrackingClient has been closed");
  }

  async #useWorkspace(workspaceId: string | undefined): Promise<void> {
    if (workspaceId === undefined || workspaceId === this.#servers.workspaceId) return;
    validateId("workspaceId", workspaceId);
    if (this.#servers.endpoint.kind === "offline") {
      // One local store: workspaces do not apply (OICM's Python client says so too).
      this.#notice("workspaceId is ignored offline: one local store holds every experiment");
      return;
    }
    if (this.#servers.endpoint.kind === "mlflow") throw notOicm(this.#servers.endpoint.base);
    // Records still queued belong to the old workspace: deliver them first.
    await this.#batcher.flush();
    this.#servers.workspaceId = workspaceId;
  }

  // ---- experiments -------------------------------------------------------

  /**
   * Makes `name` the active experiment, creating it when absent (safe when
   * several processes race to create it). Throws while a run is active.
   */
  async setExperiment(name: string, options: SetExperimentOptions = {}): Promise<Experiment> {
    this.#checkOpen();
    validateExperimentName(name);
    const tags = normalizeTags(options.tags);
    if (this.#active.length > 0) {
      throw new ValidationError(
        `run ${this.#active[0].runId} is active; end it before switching experiments`,
      );
    }
    await this.#useWorkspace(options.workspaceId);
    const experiment = await this.#experiments.getOrCreate(name);
    this.#experimentId = experiment.experimentId;
    for (const [key, value] of Object.entries(tags)) {
      await this.#backend.setExperimentTag(experiment.experimentId, key, value);
      experiment.tags[key] = value;
    }
    return experiment;
  }

  /**
   * As OICM's Python `create_experiment`: gets the experiment of that name or
   * creates it, makes it the active experiment, applies the tags, and
   * resolves to it (the same as {@linkcode TrackingClient.setExperiment}).
   *
   * @example
   * ```ts
   * import { TrackingClient } from "@oicm/tracking";
   * import { FakeMlflowServer } from "@oicm/tracking/testing";
   * const client = new TrackingClient({ apiHost: "http://fake", fetch: new FakeMlflowServer().fetch });
   * const experiment = await client.createExperiment("vision", { tags: ["resnet"] });
   * console.log(experiment.experimentId === client.experimentId); // true
   * ```
   */
  createExperiment(name: string, options: SetExperimentOptions = {}): Promise<Experiment> {
    return this.setExperiment(name, options);
  }

  /** Reads an experiment by id. */
  async getExperiment(experimentId: string): Promise<Experiment> {
    validateId("experimentId", experimentId);
    return await this.#backend.getExperiment(experimentId);
  }

  /** Reads an experiment by name; `undefined` when there is none. */
  getExperimentByName(name: string): Promise<Experiment | undefined> {
    validateExperimentName(name);
    return this.#backend.getExperimentByName(name);
  }

  /** Searches experiments, following pages up to `maxResults`. */
  searchExperiments(options: SearchExperimentsOptions = {}): Promise<Experiment[]> {
    return this.#backend.searchExperiments(options);
  }

  /** Deletes an experiment (softly, as MLflow does) and its runs with it. */
  async deleteExperiment(experimentId: string): Promise<void> {
    validateId("experimentId", experimentId);
    await this.#backend.deleteExperiment(experimentId);
    if (this.#experimentId === experimentId) this.#experimentId = undefined;
  }

  /** Sets tags on the active experiment, given as labels or a record. */
  async setExperimentTags(tags: TagsInput): Promise<void> {
    const normalized = normalizeTags(tags);
    const experimentId = this.#experimentId;
    if (experimentId === undefined) {
      throw new ValidationError("no active experiment: call setExperiment() first");
    }
    for (const [key, value] of Object.entries(normalized)) {
      await this.#backend.setExperimentTag(experimentId, key, value);
    }
  }

  // ---- runs --------------------------------------------------------------

  #defaultExperiment(): string {
    if (this.#experimentId !== undefined) return this.#experimentId;
    if (this.#envExperiment?.id !== undefined) return this.#envExperiment.id;
    if (this.#servers.endpoint.kind === "oicm") {
      throw new ValidationError(
        "no active experiment: call setExperiment(name, { workspaceId }) first",
      );
    }
    return "0"; // MLflow's Default experiment
  }

  /**
   * Starts a run, or continues one: with `runId` it re-attaches to that run;
   * with a `runName` that names an active run of the active experiment it
   * continues the most recent one (as OICM's Python client does). The run
   * becomes the active run. Throws while another run is active unless
   * `nested: true`.
   */
  async startRun(options: StartRunOptions = {}): Promise<Run> {
    const run = this.openRun(options);
    try {
      await run.ready;
    } catch (err) {
      // Reported here, to the caller, once: nothing is left open for close() to end.
      this.#open.delete(run);
      throw err;
    }
    this.#active.push(run);
    return run;
  }

  /**
   * Opens a run without waiting for the server: the returned run takes
   * records at once and is created (or resumed, as `startRun` does) in the
   * background; `await run.ready` for its info. It does not become the
   * client's active run. Bad options throw here, before any request; a
   * failure to create it rejects `run.ready`, `run.end()` and `flush()`.
   * A run opened this way and never ended is ended KILLED by `close()`.
   *
   * @example Logging from code that must not await (a sync callback)
   * ```ts
   * import { TrackingClient } from "@oicm/tracking";
   * import { FakeMlflowServer } from "@oicm/tracking/testing";
   * const client = new TrackingClient({ apiHost: "http://fake", fetch: new FakeMlflowServer().fetch });
   * const run = client.openRun({ runName: "background" });
   * run.logMetric("loss", 0.5); // queued; sent once the run exists
   * const info = await run.ready;
   * await run.end();
   * console.log(info.runId);
   * await client.close();
   * ```
   */
  openRun(options: StartRunOptions = {}): Run {
    this.#checkOpen();
    if (options.runId === undefined && options.runName === undefined && this.#envRunId) {
      options = { ...options, runId: this.#envRunId }; // a worker of a distributed job
    }
    const tags = normalizeTags(options.tags);
    if (options.description !== undefined) tags["mlflow.note.content"] = options.description;
    if (options.runName !== undefined && options.runName.length === 0) {
      throw new ValidationError("runName must not be empty");
    }
    if (options.runId !== undefined) validateId("runId", options.runId);
    if (options.experimentId !== undefined) validateId("experimentId", options.experimentId);
    if (options.experimentName !== undefined) validateExperimentName(options.experimentName);
    const parent = this.activeRun();
    if (parent !== undefined && !options.nested) {
      throw new ValidationError(
        `a run is already active; end it first, or pass nested: true for a child run`,
      );
    }
    let experimentName = options.experimentName;
    if (
      options.experimentId === undefined && experimentName === undefined &&
      this.#experimentId === undefined && this.#envExperiment?.name !== undefined
    ) {
      experimentName = this.#envExperiment.name; // MLFLOW_EXPERIMENT_NAME, got or created
    }
    const experiment = options.experimentId ??
      (experimentName === undefined ? this.#defaultExperiment() : undefined);
    if (parent !== undefined && parent.created) tags["mlflow.parentRunId"] = parent.runId;
    const known = experiment === undefined || (parent !== undefined && !parent.created)
      ? undefined
      : createRunAtOnce(this.#createRunNow, options, tags, experiment);
    const created = known !== undefined ? Promise.resolve(known) : this.#track(
      this.#createOrResume({ ...options, experimentName }, tags, parent, experiment),
    );
    const run = new Run(created, this.#recorder, this.#owner, known);
    this.#open.add(run);
    watchExit(this.#exitSaver); // an exit from now on writes what is queued and ends the run
    if (
      options.logSystemMetrics ?? this.#systemMetrics.enabled ??
        this.#servers.endpoint.kind === "oicm"
    ) {
      const sampling = { ...this.#systemMetrics.options, ...options.systemMetrics };
      run.ready.then(() => {
        if (!run.ended) {
          this.#monitors.set(run, new SystemMonitor(run, sampling, (m) => this.notice(m)));
        }
      }, () => {});
    }
    return run;
  }

  async #createOrResume(
    options: StartRunOptions,
    tags: Record<string, string>,
    parent: Run | undefined,
    experiment: string | undefined,
  ): Promise<CreatedRun> {
    await null; // the caller of openRun pays for none of this
    if (parent !== undefined) tags["mlflow.parentRunId"] = (await parent.ready).runId;
    const experimentId = experiment ?? await this.#experiments.idFor(options.experimentName!);
    // OICM's Python client looks a run name up only online (it skips the lookup when
    // OIP_OFFLINE_MODE is set): offline, a name makes a new run unless resume: true asks.
    if (this.#servers.endpoint.kind === "offline" && options.resume === undefined) {
      options = { ...options, resume: false };
    }
    return await createOrResume(this.#backend, options, tags, experimentId, this.#notice);
  }

  /** Keeps `flush()` and `close()` waiting for background work until it settles. */
  #track<T>(work: Promise<T>): Promise<T> {
    this.#background.add(work);
    const done = () => this.#background.delete(work);
    work.then(done, done);
    return work;
  }

  /**
   * Runs `fn` inside a new run: ends it FINISHED when `fn` resolves, FAILED
   * (with tags `error.type` and `error.message`) when it throws, and rethrows
   * the same error.
   *
   * @example
   * ```ts
   * import { TrackingClient } from "@oicm/tracking";
   * import { FakeMlflowServer } from "@oicm/tracking/testing";
   * const client = new TrackingClient({ apiHost: "http://fake", fetch: new FakeMlflowServer().fetch });
   * const best = await client.withRun({ runName: "sweep" }, (run) => {
   *   run.logMetric("acc", 0.9);
   *   return 0.9;
   * });
   * await client.close();
   * ```
   */
  async withRun<T>(options: StartRunOptions, fn: (run: Run) => T | Promise<T>): Promise<T> {
    const run = await this.startRun(options);
    let result: T;
    try {
      result = await fn(run);
    } catch (err) {
      try {
        run.setTags(errorTags(err, (t) => this.#secrets.scrub(t)));
      } catch { /* the run is ended FAILED regardless */ }
      await run.end("FAILED").catch(() => {});
      throw err;
    }
    await run.end("FINISHED");
    return result;
  }

  #finish(run: Run, ref: RunRef, status: EndStatus): Promise<void> {
    const index = this.#active.lastIndexOf(run);
    if (index >= 0) this.#active.splice(index, 1);
    this.#open.delete(run);
    this.#lastRun = run;
    const ending = this.#track(endRun(this.#ending, run, ref, status));
    this.#endsUnderWay.set(run, status);
    const landed = () => this.#endsUnderWay.delete(run);
    ending.then(landed, landed);
    return ending;
  }

  /**
   * Ends the active run (the innermost, when nested) with `status`, FINISHED
   * by default; with no active run it does nothing, as in Python.
   */
  async endRun(status: EndStatus = "FINISHED"): Promise<void> {
    const run = this.activeRun();
    if (run === undefined) return;
    await run.end(status);
  }

  /**
   * The active run, if any: inside a `@tracked` call its run, else the
   * innermost run started with `startRun`.
   */
  activeRun(): Run | undefined {
    const scoped = runScope.getStore();
    if (scoped !== undefined && !scoped.ended) return scoped;
    return this.#active.at(-1);
  }

  /** The active run if there is one, else the run that ended last. */
  lastActiveRun(): Run | undefined {
    return this.activeRun() ?? this.#lastRun;
  }

  /** Reads a run with its latest metrics, params and tags (after delivering its queued records). */
  async getRun(runId: string): Promise<RunRecord> {
    validateId("runId", runId);
    await this.#batcher.flushRun(runId);
    return await this.#backend.getRun(runId);
  }

  /** Searches runs (in the active experiment by default), following pages up to `maxResults`. */
  async searchRuns(options: SearchRunsOptions = {}): Promise<RunRecord[]> {
    for (const id of options.experimentIds ?? []) validateId("experimentId", id);
    const experimentIds = options.experimentIds ?? [this.#defaultExperiment()];
    return await this.#backend.searchRuns({ ...options, experimentIds });
  }

  /** A metric's whole history, in step order (after delivering the run's queued records). */
  async getMetricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    validateId("runId", runId);
    await this.#batcher.flushRun(runId);
    return await this.#backend.getMetricHistory(runId, key);
  }

  // ---- logging on the active run ----------------------------------------

  /**
   * The run a logging call goes to: the active one; with none, one started
   * for it in the active experiment (or the run `runId` / `MLFLOW_RUN_ID`
   * names), as MLflow's fluent API does, with one notice.
   */
  #current(): Run {
    const active = this.activeRun();
    if (active !== undefined) return active;
    const run = this.openRun({ runId: this.#envRunId });
    this.#active.push(run);
    run.ready.then((info) => {
      this.#notice(
        `no active run: logging started run ${info.runName} (${info.runId}) in experiment ` +
          `${info.experimentId}, as MLflow does; end it with endRun(), or close()`,
      );
    }, () => {});
    return run;
  }

  /** Logs a param on the active run. */
  logParam(key: string, value: unknown): void {
    this.#current().logParam(key, value);
  }

  /** Logs several params on the active run. */
  logParams(params: Readonly<Record<string, unknown>>): void {
    this.#current().logParams(params);
  }

  /** Logs a metric point on the active run. */
  logMetric(key: string, value: number, options?: MetricOptions): void {
    this.#current().logMetric(key, value, options);
  }

  /** Logs several metrics at one step on the active run. */
  logMetrics(metrics: Readonly<Record<string, number>>, options?: MetricOptions): void {
    this.#current().logMetrics(metrics, options);
  }

  /** Sets a tag on the active run. */
  setTag(key: string, value: string): void {
    this.#current().setTag(key, value);
  }

  /** Sets tags on the active run, given as labels or a record. */
  setRunTags(tags: TagsInput): void {
    this.#current().setTags(tags);
  }

  /** {@linkcode Run.logArtifact} on the active run. */
  logArtifact(localPath: string, artifactPath?: string): Promise<void> {
    return this.#onActive((run) => run.logArtifact(localPath, artifactPath));
  }

  /** {@linkcode Run.logArtifacts} on the active run. */
  logArtifacts(localDir: string, artifactPath?: string): Promise<void> {
    return this.#onActive((run) => run.logArtifacts(localDir, artifactPath));
  }

  /** {@linkcode Run.logText} on the active run. */
  logText(text: string, artifactFile: string): Promise<void> {
    return this.#onActive((run) => run.logText(text, artifactFile));
  }

  /**
   * `text` with every value this client knows to be a secret replaced by
   * `***`: its API key, the credentials in its headers, and the keys the
   * environment holds (`OICM_TRACKING_API_KEY`, `OIP_WORKLOAD_ACCESS_KEY`,
   * `MLFLOW_TRACKING_TOKEN`, `MLFLOW_TRACKING_PASSWORD`), also URL-, base64-
   * and base64url-encoded. `@tracked` and the client's notices pass through it.
   *
   * @example
   * ```ts
   * import { TrackingClient } from "@oicm/tracking";
   * const client = new TrackingClient({ apiHost: "http://127.0.0.1:5000", apiKey: "s3cret-key" });
   * console.log(client.redactSecrets("argv: --api-key s3cret-key")); // "argv: --api-key ***"
   * ```
   */
  redactSecrets(text: string): string {
    return this.#secrets.scrub(text);
  }

  /**
   * Tells `onNotice` (by default a line on stderr) something worth knowing
   * that is no failure, once per distinct message for this client: what
   * integrations and decorators use for a value they could not log.
   *
   * @example
   * ```ts
   * import { TrackingClient } from "@oicm/tracking";
   * const told: string[] = [];
   * const client = new TrackingClient({ offline: true, storagePath: "/tmp/notice-example", onNotice: (m) => told.push(m) });
   * client.notice("my-integration: batch logs are off");
   * client.notice("my-integration: batch logs are off"); // once
   * console.log(told.length); // 1
   * ```
   */
  notice(message: string): void {
    if (this.#told.has(message)) return;
    this.#told.add(message);
    this.#notice(message);
  }

  /** {@linkcode Run.logBytes} on the active run. */
  logBytes(bytes: Uint8Array, artifactFile: string): Promise<void> {
    return this.#onActive((run) => run.logBytes(bytes, artifactFile));
  }

  /** {@linkcode Run.logDict} on the active run. */
  logDict(value: unknown, artifactFile: string): Promise<void> {
    return this.#onActive((run) => run.logDict(value, artifactFile));
  }

  /** Calls `work` on the active run; no active run is a rejection, as the run's own failures are. */
  #onActive(work: (run: Run) => Promise<void>): Promise<void> {
    try {
      return work(this.#current());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * One level of a run's artifacts below `path` (the root by default), as
   * MLflow's `list_artifacts`: `{ path, isDir, fileSize? }`, sorted; a file
   * lists nothing. Uploads of the run under way land first.
   *
   * @example
   * ```ts
   * import { TrackingClient } from "@oicm/tracking";
   * import { FakeMlflowServer } from "@oicm/tracking/testing";
   * const client = new TrackingClient({ apiHost: "http://fake", fetch: new FakeMlflowServer().fetch });
   * const run = await client.startRun();
   * await run.logText("hello", "notes/hello.txt");
   * console.log(await client.listArtifacts(run.runId)); // [{ path: "notes", isDir: true }]
   * await client.close();
   * ```
   */
  async listArtifacts(runId: string, path?: string): Promise<ArtifactEntry[]> {
    validateId("runId", runId);
    const folder = checkArtifactPath("path", path);
    await this.#transfers.waitForId(runId);
    return await this.#backend.listArtifacts(runId, folder);
  }

  /**
   * Downloads a run's artifact (a file, or a folder with everything below it)
   * into the local folder `dstPath` (made when absent), as MLflow's
   * `download_artifacts`; resolves to the local path of what was downloaded.
   * Files stream to disk.
   */
  async downloadArtifacts(runId: string, path: string, dstPath: string): Promise<string> {
    validateId("runId", runId);
    const artifact = checkArtifactPath("path", path);
    if (typeof dstPath !== "string" || dstPath === "") {
      throw new ValidationError("downloadArtifacts needs a local folder (dstPath)");
    }
    await this.#transfers.waitForId(runId);
    return await downloadArtifacts(this.#backend, runId, artifact, dstPath);
  }

  /**
   * Downloads a model logged in MLflow's format and checks its `MLmodel` first,
   * as MLflow's loaders do: `runs:/<run_id>/<path>` (a model in a run's
   * artifacts, or MLflow 3's logged model of that run and name) or
   * `models:/<model_id>` (an MLflow 3 logged model). `flavor` (such as `onnx`
   * or `tfjs`) must be one of its flavors, else a `ValidationError` names the
   * ones it has. Files go into `dstPath` (made when absent; a new temporary
   * folder by default).
   *
   * @example
   * ```ts ignore
   * import * as ort from "onnxruntime-node";
   * const model = await client.loadModel(`runs:/${runId}/model`, { flavor: "onnx" });
   * const session = await ort.InferenceSession.create(model.dataPath!);
   * ```
   */
  async loadModel(
    uri: string,
    options: { flavor?: string; dstPath?: string } = {},
  ): Promise<LoadedModel> {
    const parsed = parseModelUri(uri); // a bad URI is told before any request
    if (parsed.kind === "run") {
      validateId("runId", parsed.runId);
      await this.#transfers.waitForId(parsed.runId);
    } else validateId("modelId", parsed.modelId); // `models:/..` changed the route called
    const dst = options.dstPath ?? mkdtempSync(join(tmpdir(), "oicm-model-"));
    mkdirSync(dst, { recursive: true });
    return await loadModelInto(this.#backend, uri, dst, options.flavor);
  }

  /**
   * Uploads this client's offline store to a server (an OICM workspace or a
   * plain MLflow server): experiments by name, runs with their names, tags,
   * params, metric histories, statuses and times. A sync record per run makes
   * it idempotent and resumable: a second sync sends nothing new.
   *
   * @example
   * ```ts ignore
   * import { TrackingClient } from "@oicm/tracking";
   * const local = new TrackingClient({ offline: true, storagePath: "./mlruns" });
   * const report = await local.sync({
   *   to: { apiHost: "https://oicm.example.com/api/tracking", apiKey: "...", workspaceId: "ws-1" },
   * });
   * console.log(`${report.created} runs created, ${report.metrics} points sent`);
   * ```
   */
  async sync(options: {
    to: TrackingClientOptions | TrackingClient;
    onProgress?: (progress: SyncProgress) => void;
    /** Resend everything as new runs, whatever the sync records say was sent. */
    force?: boolean;
  }): Promise<SyncReport> {
    const store = this.#backend;
    if (!(store instanceof FileBackend)) {
      throw new ValidationError(
        "sync uploads an offline store: build this client with offline: true",
      );
    }
    await this.flush();
    const target = options.to instanceof TrackingClient
      ? options.to
      : new TrackingClient(options.to);
    if (target.#servers.endpoint.kind === "offline") {
      throw new ValidationError("sync needs a server to upload to, not another local store");
    }
    if (target.#servers.endpoint.kind === "oicm" && target.#servers.workspaceId === undefined) {
      throw new ValidationError("syncing to OICM needs the target's workspaceId");
    }
    const to = target.#servers.target();
    return await syncStore(store, to.backend, to.key, {
      onProgress: options.onProgress,
      force: options.force,
      onRefused: (error) => this.#notice(error.message),
      onWait: (holder) => this.#notice(`waiting for ${holder}, which is syncing ${store.root}`),
    });
  }

  /**
   * Waits for runs being created or ended in the background, then delivers
   * everything queued (records over `maxQueue` that went to disk included);
   * rejects with a `DeliveryError` when anything failed. Records the server
   * cannot take after the whole retry budget stay in the spool, delivered in
   * the background once it answers.
   */
  async flush(): Promise<void> {
    await flushAll({
      batcher: this.#batcher,
      transfers: this.#transfers,
      spool: this.#spool,
      background: this.#background,
      takeDetached: () => this.#detachedFailures.splice(0),
    });
  }

  /** Records logged and held in memory, not yet delivered. */
  get pending(): number {
    return this.#batcher.pending;
  }

  /** Metric points that went to the spool on disk (server unavailable, or over `maxQueue`). */
  get spilled(): number {
    return this.#spool?.spilledPoints ?? 0;
  }

  /**
   * Ends every run started with `startRun` (FINISHED) and every run opened in
   * the background and never ended (KILLED), delivers everything queued and
   * closes the client; rejects with a `DeliveryError` when anything failed.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    await closeAll({
      servers: this.#servers,
      spool: this.#spool,
      closeTimeoutMs: this.#closeTimeoutMs,
      notify: this.#notice,
      endEverything: async (note) => {
        while (this.#active.length > 0) await this.#active.at(-1)!.end("FINISHED").catch(note);
        for (const run of [...this.#open]) await run.end("KILLED").catch(note);
        await this.flush().catch(note);
      },
    }).finally(() => {
      this.#closed = true;
      unwatchExit(this.#exitSaver);
    });
  }

  /** Keeps secrets out of `console.log(client)` in Deno, Node and Bun. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.#describe();
  }

  /** Keeps secrets out of `util.inspect(client)`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.#describe();
  }

  #describe(): string {
    return `TrackingClient { server: ${this.#servers.endpoint.kind} ${this.#servers.endpoint.base}, experiment: ${
      this.#experimentId ?? "-"
    }, activeRun: ${this.#active.at(-1)?.runId ?? "-"} }`;
  }
}
