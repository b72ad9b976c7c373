/**
 * {@linkcode TrackingClient}: experiments, runs and logging against OICM
 * Tracking or any MLflow tracking server.
 *
 * @module
 */
import type { Backend } from "./backend.ts";
import { Batcher } from "./batcher.ts";
import { AlreadyExistsError, DeliveryError, TrackingError, ValidationError } from "./errors.ts";
import { checkOptions, type Endpoint, endpointOf, type TrackingClientOptions } from "./options.ts";
import { type MetricOptions, Recorder } from "./recorder.ts";
import { RestBackend } from "./rest_backend.ts";
import { DEFAULT_RETRY } from "./retry.ts";
import { oicmTrackingUri } from "./routes.ts";
import { Run, type RunOwner } from "./run.ts";
import { runContextTags } from "./run_context.ts";
import { Transport } from "./transport.ts";
import type {
  EndStatus,
  Experiment,
  MetricPoint,
  RunInfo,
  RunRecord,
  TagsInput,
  ViewType,
} from "./types.ts";
import { normalizeTags, validateExperimentName, validateId } from "./validate.ts";
import { clientFromEnv } from "./env.ts";

/**
 * Options of {@linkcode TrackingClient.startRun}.
 *
 * @example
 * ```ts
 * import type { StartRunOptions } from "@oicm/tracking";
 * const opts: StartRunOptions = { runName: "baseline", tags: ["baseline"] };
 * ```
 */
export interface StartRunOptions {
  /** A name; when a run of that name exists in the active experiment, it is continued. */
  runName?: string;
  /** Re-attach to this existing run (wins over `runName`). */
  runId?: string;
  /** Tags, as labels or a record. */
  tags?: TagsInput;
  /** Stored as the run's description (`mlflow.note.content`). */
  description?: string;
  /** Open a child of the active run (tagged `mlflow.parentRunId`) instead of failing. */
  nested?: boolean;
}

/**
 * Options of {@linkcode TrackingClient.setExperiment}.
 *
 * @example
 * ```ts
 * import type { SetExperimentOptions } from "@oicm/tracking";
 * const opts: SetExperimentOptions = { workspaceId: "ws-1", tags: ["vision"] };
 * ```
 */
export interface SetExperimentOptions {
  /** The OICM workspace the experiment lives in. */
  workspaceId?: string;
  /** Tags to set on the experiment, as labels or a record. */
  tags?: TagsInput;
}

/**
 * Options of {@linkcode TrackingClient.searchRuns}.
 *
 * @example
 * ```ts
 * import type { SearchRunsOptions } from "@oicm/tracking";
 * const q: SearchRunsOptions = { filter: "params.lr = '0.01'", orderBy: ["metrics.loss ASC"] };
 * ```
 */
export interface SearchRunsOptions {
  /** Experiments to search; the active experiment by default. */
  experimentIds?: string[];
  /** An MLflow filter string, such as `metrics.loss < 0.5 AND tags.team = 'vision'`. */
  filter?: string;
  /** Order clauses, such as `attributes.start_time DESC`. */
  orderBy?: string[];
  /** The most runs to return (pages are followed up to it). */
  maxResults?: number;
  /** Active runs only by default. */
  viewType?: ViewType;
}

/**
 * Options of {@linkcode TrackingClient.searchExperiments}.
 *
 * @example
 * ```ts
 * import type { SearchExperimentsOptions } from "@oicm/tracking";
 * const q: SearchExperimentsOptions = { filter: "name LIKE 'vision%'", maxResults: 50 };
 * ```
 */
export interface SearchExperimentsOptions {
  /** An MLflow filter string, such as `name LIKE 'vision%'`. */
  filter?: string;
  /** Order clauses, such as `name ASC`. */
  orderBy?: string[];
  /** The most experiments to return (pages are followed up to it). */
  maxResults?: number;
  /** Active experiments only by default. */
  viewType?: ViewType;
}

function quoteFilterValue(value: string): string {
  return value.includes("'") ? `"${value.replace(/"/g, '\\"')}"` : `'${value}'`;
}

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
  readonly #endpoint: Endpoint;
  readonly #backend: Backend;
  readonly #batcher: Batcher;
  readonly #recorder: Recorder;
  readonly #owner: RunOwner;
  #workspaceId: string | undefined;
  #experimentId: string | undefined;
  readonly #active: Run[] = [];
  #lastRun: Run | undefined;
  #closed = false;

  /** Builds a client; options are checked at once (a `ValidationError` names a bad one). */
  constructor(options: TrackingClientOptions) {
    const opts = checkOptions(options);
    this.#endpoint = endpointOf(opts.apiHost);
    this.#workspaceId = opts.workspaceId;
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.workloadId) headers["OIP-Workload-Id"] = opts.workloadId;
    const transport = new Transport({
      trackingUri: () => this.#trackingUri(),
      apiKey: opts.apiKey,
      headers,
      fetch: opts.fetch,
      timeoutMs: opts.timeoutMs ?? 120_000,
      retry: { ...DEFAULT_RETRY, ...opts.retry },
    });
    this.#backend = new RestBackend(transport);
    this.#batcher = new Batcher({
      backend: this.#backend,
      flushIntervalMs: opts.flushIntervalMs ?? 1000,
      onError: opts.onError ?? ((e) => console.error(`[tracking] ${e.message}`)),
    });
    this.#recorder = new Recorder(this.#batcher);
    this.#owner = { finish: (run, status) => this.#finish(run, status) };
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
    return new TrackingClient(clientFromEnv(overrides));
  }

  /** `"oicm"` when the API host ends in `/api/tracking`, else `"mlflow"`. */
  get serverKind(): "oicm" | "mlflow" {
    return this.#endpoint.kind;
  }

  /** The id of the active experiment, if one was set. */
  get experimentId(): string | undefined {
    return this.#experimentId;
  }

  /** The active OICM workspace, if one was set. */
  get workspaceId(): string | undefined {
    return this.#workspaceId;
  }

  #trackingUri(): string {
    if (this.#endpoint.kind === "mlflow") return this.#endpoint.base;
    if (this.#workspaceId === undefined) {
      throw new ValidationError(
        "OICM needs a workspace: pass workspaceId to the client or to setExperiment()",
      );
    }
    return oicmTrackingUri(this.#endpoint.base, this.#workspaceId);
  }

  #checkOpen(): void {
    if (this.#closed) throw new ValidationError("this TrackingClient has been closed");
  }

  async #useWorkspace(workspaceId: string | undefined): Promise<void> {
    if (workspaceId === undefined || workspaceId === this.#workspaceId) return;
    validateId("workspaceId", workspaceId);
    // Records still queued belong to the old workspace: deliver them first.
    await this.#batcher.flush();
    this.#workspaceId = workspaceId;
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
    let experiment = await this.#backend.getExperimentByName(name);
    if (experiment === undefined) {
      try {
        await this.#backend.createExperiment(name, {});
      } catch (err) {
        if (!(err instanceof AlreadyExistsError)) throw err;
      }
      experiment = await this.#backend.getExperimentByName(name);
      if (experiment === undefined) {
        throw new TrackingError(`experiment '${name}' was created but cannot be read back`);
      }
    }
    if (experiment.lifecycleStage === "deleted") {
      throw new TrackingError(
        `experiment '${name}' has been deleted; restore it on the server or choose another name`,
        { code: "INVALID_STATE" },
      );
    }
    this.#experimentId = experiment.experimentId;
    for (const [key, value] of Object.entries(tags)) {
      await this.#backend.setExperimentTag(experiment.experimentId, key, value);
      experiment.tags[key] = value;
    }
    return experiment;
  }

  /** Creates an experiment and resolves to its id; fails if the name is taken. */
  async createExperiment(name: string, options: SetExperimentOptions = {}): Promise<string> {
    this.#checkOpen();
    validateExperimentName(name);
    const tags = normalizeTags(options.tags);
    await this.#useWorkspace(options.workspaceId);
    return await this.#backend.createExperiment(name, tags);
  }

  /** Reads an experiment by id. */
  getExperiment(experimentId: string): Promise<Experiment> {
    validateId("experimentId", experimentId);
    return this.#backend.getExperiment(experimentId);
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
    if (this.#endpoint.kind === "oicm") {
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
    this.#checkOpen();
    const tags = normalizeTags(options.tags);
    if (options.description !== undefined) tags["mlflow.note.content"] = options.description;
    const parent = this.#active.at(-1);
    if (parent !== undefined) {
      if (!options.nested) {
        throw new ValidationError(
          `run ${parent.runId} is already active; end it first, or pass nested: true for a child run`,
        );
      }
      tags["mlflow.parentRunId"] = parent.runId;
    }
    if (options.runName !== undefined && options.runName.length === 0) {
      throw new ValidationError("runName must not be empty");
    }
    let record: RunRecord | undefined;
    if (options.runId !== undefined) {
      record = await this.#backend.getRun(validateId("runId", options.runId));
      if (record.info.lifecycleStage === "deleted") {
        throw new TrackingError(`run ${options.runId} has been deleted and cannot be resumed`, {
          code: "INVALID_STATE",
        });
      }
    } else if (options.runName !== undefined) {
      const [found] = await this.#backend.searchRuns({
        experimentIds: [this.#defaultExperiment()],
        filter: `attributes.run_name = ${quoteFilterValue(options.runName)}`,
        orderBy: ["attributes.start_time DESC"],
        maxResults: 1,
      });
      record = found;
    }
    let info: RunInfo;
    if (record !== undefined) {
      await this.#backend.updateRun(record.info.runId, { status: "RUNNING" });
      info = { ...record.info, status: "RUNNING" };
      delete info.endTime;
      this.#experimentId = info.experimentId;
      this.#recorder.rememberParams(info.runId, record.data.params);
    } else {
      if (options.runName !== undefined) tags["mlflow.runName"] = options.runName;
      const created = await this.#backend.createRun({
        experimentId: this.#defaultExperiment(),
        runName: options.runName,
        startTime: Date.now(),
        tags: { ...runContextTags(), ...tags },
      });
      info = created.info;
    }
    const run = new Run(info, this.#recorder, this.#owner);
    if (record !== undefined) {
      for (const [key, value] of Object.entries(tags)) this.#recorder.tag(info.runId, key, value);
    }
    this.#active.push(run);
    return run;
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
        const name = err instanceof Error ? err.name : typeof err;
        const message = err instanceof Error ? err.message : String(err);
        run.setTags({ "error.type": name, "error.message": message.slice(0, 5000) });
      } catch { /* the run is ended FAILED regardless */ }
      await run.end("FAILED").catch(() => {});
      throw err;
    }
    await run.end("FINISHED");
    return result;
  }

  async #finish(run: Run, status: EndStatus): Promise<void> {
    const index = this.#active.lastIndexOf(run);
    if (index >= 0) this.#active.splice(index, 1);
    this.#lastRun = run;
    let failure: unknown;
    try {
      await this.#batcher.flush(run.runId);
    } catch (err) {
      failure = err;
    }
    const endTime = Date.now();
    try {
      await this.#backend.updateRun(run.runId, { status, endTime });
      run.info.status = status;
      run.info.endTime = endTime;
    } catch (err) {
      failure ??= err;
    }
    this.#recorder.forget(run.runId);
    if (failure !== undefined) throw failure;
  }

  /** Ends the active run (the innermost, when nested) with `status`, FINISHED by default. */
  async endRun(status: EndStatus = "FINISHED"): Promise<void> {
    const run = this.#active.at(-1);
    if (run === undefined) throw new ValidationError("no active run to end");
    await run.end(status);
  }

  /** The active run (the innermost, when nested), if any. */
  activeRun(): Run | undefined {
    return this.#active.at(-1);
  }

  /** The active run if there is one, else the run that ended last. */
  lastActiveRun(): Run | undefined {
    return this.#active.at(-1) ?? this.#lastRun;
  }

  /** Reads a run with its latest metrics, params and tags (after delivering its queued records). */
  async getRun(runId: string): Promise<RunRecord> {
    validateId("runId", runId);
    await this.#batcher.flush(runId);
    return await this.#backend.getRun(runId);
  }

  /** Searches runs (in the active experiment by default), following pages up to `maxResults`. */
  searchRuns(options: SearchRunsOptions = {}): Promise<RunRecord[]> {
    const experimentIds = options.experimentIds ?? [this.#defaultExperiment()];
    return this.#backend.searchRuns({ ...options, experimentIds });
  }

  /** A metric's whole history, in step order (after delivering the run's queued records). */
  async getMetricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    validateId("runId", runId);
    await this.#batcher.flush(runId);
    return await this.#backend.getMetricHistory(runId, key);
  }

  // ---- logging on the active run ----------------------------------------

  #current(): Run {
    const run = this.#active.at(-1);
    if (run === undefined) {
      throw new ValidationError("no active run: call startRun() before logging");
    }
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

  /** Delivers everything queued; rejects with a `DeliveryError` when anything failed. */
  flush(): Promise<void> {
    return this.#batcher.flush();
  }

  /** Records logged but not yet delivered. */
  get pending(): number {
    return this.#batcher.pending;
  }

  /**
   * Ends every active run (FINISHED), delivers everything queued and closes
   * the client; rejects with a `DeliveryError` when anything failed.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    const errors: TrackingError[] = [];
    let undelivered = 0;
    const note = (err: unknown) => {
      if (err instanceof DeliveryError) {
        errors.push(...err.errors);
        undelivered += err.undelivered;
      } else errors.push(err instanceof TrackingError ? err : new TrackingError(String(err)));
    };
    while (this.#active.length > 0) await this.#active.at(-1)!.end("FINISHED").catch(note);
    await this.#batcher.flush().catch(note);
    this.#closed = true;
    if (errors.length > 0) throw new DeliveryError(errors, undelivered);
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
    return `TrackingClient { server: ${this.#endpoint.kind} ${this.#endpoint.base}, experiment: ${
      this.#experimentId ?? "-"
    }, activeRun: ${this.#active.at(-1)?.runId ?? "-"} }`;
  }
}
