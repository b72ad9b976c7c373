/**
 * The one seam between the client and where records live: a {@linkcode Backend}
 * creates, reads and searches experiments and runs and takes batches of
 * records. The REST backend speaks MLflow's API; an offline file backend can
 * implement the same interface.
 *
 * @module
 */
import { TrackingError } from "./errors.ts";
import type { ArtifactEntry } from "./types.ts";
import type {
  DatasetInput,
  EndStatus,
  Experiment,
  MetricPoint,
  RunRecord,
  RunStatus,
  ViewType,
} from "./types.ts";

/** A metric as queued: key, value, step and timestamp (ms). */
export interface MetricRecord {
  key: string;
  value: number;
  step: number;
  timestamp: number;
}

/** A key and a string value: a param or a tag. */
export interface KeyValue {
  key: string;
  value: string;
}

/** One `log-batch` worth of records for one run, within MLflow's limits. */
export interface Batch {
  runId: string;
  metrics: MetricRecord[];
  params: KeyValue[];
  tags: KeyValue[];
}

/**
 * Records bound for disk, with metrics in columns: per key, the flat
 * `[timestamp, value, step, ...]` triples of its points, oldest first. The
 * queue spills in this form, so no object is made per point on the way.
 */
export interface SpillBatch {
  runId: string;
  metrics: Map<string, number[]>;
  /** How many metric points `metrics` holds. */
  points: number;
  params: KeyValue[];
  tags: KeyValue[];
}

/**
 * A batch a backend took in part: it stored the rest, and refused `refused`
 * records for the reasons in `errors` (a param that cannot change, a key the
 * store's layout cannot hold).
 */
export class BatchRefusal extends TrackingError {
  /** Why, one error per refused record. */
  readonly errors: readonly TrackingError[];
  /** How many records were refused. */
  readonly refused: number;
  /** Builds the refusal of `refused` records (one per error unless given). */
  constructor(errors: readonly TrackingError[], refused: number = errors.length) {
    super(`${refused} record(s) refused: ${errors[0]?.message ?? ""}`, {
      code: errors[0]?.code ?? "INVALID_PARAMETER_VALUE",
      cause: errors[0],
    });
    this.errors = errors;
    this.refused = refused;
  }
}

/**
 * A server records go to: its backend, and the name sync records know it by
 * (its address, and the OICM workspace).
 */
export interface Target {
  /** Names the server and workspace in sync records. */
  key: string;
  /** The server's backend (no spool in front). */
  backend: Backend;
}

/** What to search experiments by. */
export interface ExperimentQuery {
  filter?: string;
  maxResults?: number;
  orderBy?: string[];
  viewType?: ViewType;
}

/** What to search runs by. */
export interface RunQuery {
  experimentIds: string[];
  filter?: string;
  maxResults?: number;
  orderBy?: string[];
  viewType?: ViewType;
}

/** What a new run starts with. */
export interface NewRun {
  experimentId: string;
  runName?: string;
  startTime: number;
  tags: Record<string, string>;
}

/** What a run update changes. */
export interface RunUpdate {
  status?: RunStatus | EndStatus;
  endTime?: number;
  runName?: string;
}

/** A logged model (MLflow 3's `/api/2.0/mlflow/logged-models`), as the server has it. */
export interface LoggedModelRecord {
  modelId: string;
  experimentId: string;
  name: string;
  sourceRunId?: string;
  /** Where its files live (`mlflow-artifacts:/<exp>/models/<id>/artifacts`). */
  artifactUri: string;
  /** `LOGGED_MODEL_PENDING`, `LOGGED_MODEL_READY` or `LOGGED_MODEL_UPLOAD_FAILED`. */
  status?: string;
}

/** The files of one place (a logged model's location), as the artifact repositories serve them. */
export interface FileRepo {
  put(source: string | Uint8Array, path: string): Promise<void>;
  list(path?: string): Promise<ArtifactEntry[]>;
  get(path: string, dstFile: string): Promise<void>;
}

/** A server's logged models (MLflow 3): record one, link it to its run, find it, reach its files. */
export interface LoggedModels {
  /** Creates one (PENDING); `undefined` when the server keeps no logged models (older MLflow). */
  create(
    experimentId: string,
    runId: string,
    name: string,
    tags: Record<string, string>,
  ): Promise<LoggedModelRecord | undefined>;
  /** Records the model as an output of its run (the run page's Models list). */
  linkToRun(runId: string, modelId: string, step: number): Promise<void>;
  /** Sets READY once its files are stored, or UPLOAD_FAILED. */
  finalize(modelId: string, ready: boolean): Promise<void>;
  get(modelId: string): Promise<LoggedModelRecord>;
  /** The model a run logged under `name`, as MLflow's `runs:/<run>/<name>` resolves it. */
  find(experimentId: string, runId: string, name: string): Promise<LoggedModelRecord | undefined>;
  /** Its files. */
  files(model: LoggedModelRecord): FileRepo;
}

/** Where experiments and runs are kept. */
export interface Backend {
  /**
   * How many `logBatch` calls may run at once (1 when absent). A server gains
   * from 2 (encoding overlaps its work); a local store keeps its files in order with 1.
   */
  readonly maxInFlight?: number;
  createExperiment(name: string, tags: Record<string, string>): Promise<string>;
  getExperiment(experimentId: string): Promise<Experiment>;
  /** Resolves to `undefined` when no experiment has that name. */
  getExperimentByName(name: string): Promise<Experiment | undefined>;
  searchExperiments(query: ExperimentQuery): Promise<Experiment[]>;
  deleteExperiment(experimentId: string): Promise<void>;
  setExperimentTag(experimentId: string, key: string, value: string): Promise<void>;
  createRun(run: NewRun): Promise<RunRecord>;
  updateRun(runId: string, update: RunUpdate): Promise<void>;
  getRun(runId: string): Promise<RunRecord>;
  searchRuns(query: RunQuery): Promise<RunRecord[]>;
  /**
   * The most recent active run of an experiment with exactly this name, or
   * `undefined`. Its `data.metrics` may be left empty (resuming needs its info
   * and params only); no filter string is built from the name where a direct
   * lookup serves.
   */
  findRunByName(experimentId: string, name: string): Promise<RunRecord | undefined>;
  logBatch(batch: Batch): Promise<void>;
  /**
   * Optional, for sync: sends whole FileStore metric lines of one key (at most
   * one batch's worth) as they are on disk. Resolves false, having sent
   * nothing, when it cannot take them as they are; the caller then parses them.
   */
  logMetricLines?(runId: string, key: string, lines: Uint8Array): Promise<boolean>;
  getMetricHistory(runId: string, key: string): Promise<MetricPoint[]>;
  /** Stores a local file (a path, already checked) or bytes as `artifactPath` in a run's artifacts. */
  logArtifact(runId: string, source: string | Uint8Array, artifactPath: string): Promise<void>;
  /** One level of a run's artifacts below `path` (the root when absent). */
  listArtifacts(runId: string, path?: string): Promise<ArtifactEntry[]>;
  /** Writes the artifact file at `path` of a run to `dstFile`. */
  downloadArtifact(runId: string, path: string, dstFile: string): Promise<void>;
  /** Records datasets a run used (`runs/log-inputs`). */
  logInputs(runId: string, inputs: readonly DatasetInput[]): Promise<void>;
  /** The server's logged models; absent where there are none (OICM, a local store). */
  loggedModels?(): LoggedModels | undefined;
}
