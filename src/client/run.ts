/**
 * {@linkcode Run}: the live handle of a run, with logging scoped to it and an
 * `end` that flushes, always ends the run, and reports what failed.
 *
 * @module
 */
import { RunRef } from "../delivery/batcher.ts";
import { ValidationError } from "../core/errors.ts";
import type { MetricOptions, Recorder } from "./recorder.ts";
import {
  checkModel,
  type LoggedModelInfo,
  type ModelToLog,
  type ModelWork,
} from "../models/model_folder.ts";
import type { DatasetInput, EndStatus, RunInfo, TagsInput } from "../core/types.ts";
import {
  bytesUpload,
  dictUpload,
  fileUpload,
  folderUploads,
  inputsOf,
  textUpload,
  type Upload,
} from "../artifacts/run_artifacts.ts";

/** What a run needs from the client that opened it. */
export interface RunOwner {
  /** Flushes the run's records, marks it ended on the server and forgets it as active. */
  finish(run: Run, ref: RunRef, status: EndStatus): Promise<void>;
  /** Hears of a failure nobody awaits (an end in the background). */
  reportDetached(error: unknown): void;
  /**
   * Sends artifacts (or records inputs) once the run exists; the run's end,
   * `flush()` and `close()` wait for it, and report it when it failed.
   */
  transfer<T = void>(run: Run, work: Upload[] | { inputs: DatasetInput[] } | ModelWork): Promise<T>;
  /** Tells the client's `onNotice` something worth knowing that is no failure. */
  notice(message: string): void;
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

  /**
   * Made by `TrackingClient.startRun` or `openRun`; not meant to be built by
   * hand. `known` is the run when it was created synchronously (offline).
   */
  constructor(
    created: Promise<CreatedRun>,
    recorder: Recorder,
    owner: RunOwner,
    known?: CreatedRun,
  ) {
    this.#recorder = recorder;
    this.#owner = owner;
    this.#info = known?.info;
    this.ready = created.then(({ info, resumed }) => {
      this.#info = info;
      if (resumed !== undefined) {
        recorder.rememberParams(this.#ref, resumed.params);
        if (Object.keys(resumed.tags).length > 0) recorder.tags(this.#ref, resumed.tags);
      }
      return info;
    });
    this.ready.catch(() => {}); // whoever awaits it hears of a failure
    this.#ref = new RunRef(known?.info.runId ?? this.ready.then((info) => info.runId));
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
   * Stores a local file in the run's artifacts, as `artifactPath/<file name>`
   * (MLflow's `log_artifact`). Resolves once stored; the run's end, `flush()`
   * and `close()` wait for it. A path that is absolute or holds `..`, a
   * missing file, or a folder is a `ValidationError` before any I/O.
   */
  logArtifact(localPath: string, artifactPath?: string): Promise<void> {
    return this.#send(() => fileUpload(localPath, artifactPath));
  }

  /**
   * Stores every file below a local folder, its layout kept under
   * `artifactPath`. Every name found passes the rule given paths pass (no
   * `..`, no `#tmp.` name: such a name is a `ValidationError` naming it,
   * before any I/O); symbolic links are not followed, and one notice says
   * which were skipped.
   */
  logArtifacts(localDir: string, artifactPath?: string): Promise<void> {
    return this.#send(() =>
      folderUploads(localDir, artifactPath, (message) => this.#owner.notice(message))
    );
  }

  /** Stores text as the artifact `artifactFile` (such as `notes/summary.md`). */
  logText(text: string, artifactFile: string): Promise<void> {
    return this.#send(() => textUpload(text, artifactFile));
  }

  /**
   * Stores bytes you hold in memory (a serialized model, an image you drew) as
   * the artifact `artifactFile`. The bytes are copied at the call.
   */
  logBytes(bytes: Uint8Array, artifactFile: string): Promise<void> {
    return this.#send(() => bytesUpload(bytes, artifactFile));
  }

  /** Stores a value as JSON, or YAML for a `.yaml`/`.yml` name, as MLflow's `log_dict`. */
  logDict(value: unknown, artifactFile: string): Promise<void> {
    return this.#send(() => dictUpload(value, artifactFile));
  }

  /**
   * Records a dataset the run used (MLflow's `runs/log-inputs`; the MLflow UI
   * shows it in the runs table's Dataset column).
   *
   * @example
   * ```ts
   * import { TrackingClient } from "@oicm/tracking";
   * import { FakeMlflowServer } from "@oicm/tracking/testing";
   * const client = new TrackingClient({ apiHost: "http://fake", fetch: new FakeMlflowServer().fetch });
   * const run = await client.startRun();
   * await run.logInput({ name: "mnist", source: "s3://data/mnist", context: "training" });
   * await client.close();
   * ```
   */
  logInput(input: DatasetInput | readonly DatasetInput[]): Promise<void> {
    return this.#send(() => ({ inputs: inputsOf(input) }));
  }

  /**
   * Logs a model in MLflow's format: its files with an `MLmodel` describing
   * them (flavors, signature, run) and, with `pipRequirements`, the
   * environment files, under `artifactPath` (default `model`) of the run's
   * artifacts, so that `mlflow.pyfunc.load_model("runs:/<run_id>/model")` and
   * `client.loadModel` read it. On a server with MLflow 3's logged models it
   * is also recorded as a logged model of this run (the UI's Models tab,
   * `models:/<model_id>`). Checked at the call; the run's end waits for it.
   * The integrations build the model for you (`logOnnxModel`, `logTfModel`).
   *
   * @example
   * ```ts
   * import { TrackingClient } from "@oicm/tracking";
   * import { FakeMlflowServer } from "@oicm/tracking/testing";
   * const client = new TrackingClient({ apiHost: "http://fake", fetch: new FakeMlflowServer().fetch });
   * const run = await client.startRun();
   * const info = await run.logModel({
   *   files: { "weights.txt": new TextEncoder().encode("1 2 3") },
   *   flavors: { my_flavor: { data: "weights.txt" } },
   * });
   * console.log(info.modelUri); // runs:/<run_id>/model
   * await client.close();
   * ```
   */
  logModel(model: ModelToLog): Promise<LoggedModelInfo> {
    return this.#send<LoggedModelInfo>(() => ({ model: checkModel(model) }));
  }

  /** Checks the work now (a bad path rejects before any I/O) and hands it to the owner. */
  #send<T = void>(make: () => Upload[] | { inputs: DatasetInput[] } | ModelWork): Promise<T> {
    let work;
    try {
      this.#open();
      work = make();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#owner.transfer<T>(this, work);
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
