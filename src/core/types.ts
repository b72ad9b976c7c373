/**
 * The shapes the client returns and accepts: camelCase records, not MLflow's
 * key/value arrays.
 *
 * @module
 */

/**
 * How a run ended, or that it is still going.
 *
 * @example
 * ```ts
 * import type { RunStatus } from "@oicm/tracking";
 * const status: RunStatus = "FINISHED";
 * ```
 */
export type RunStatus = "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";

/**
 * The statuses a run may be ended with.
 *
 * @example
 * ```ts
 * import type { EndStatus } from "@oicm/tracking";
 * const status: EndStatus = "KILLED";
 * ```
 */
export type EndStatus = "FINISHED" | "FAILED" | "KILLED";

/**
 * Whether an experiment or run is live or (softly) deleted.
 *
 * @example
 * ```ts
 * import type { LifecycleStage } from "@oicm/tracking";
 * const stage: LifecycleStage = "active";
 * ```
 */
export type LifecycleStage = "active" | "deleted";

/**
 * Which experiments or runs a search returns, by lifecycle stage.
 *
 * @example
 * ```ts
 * import type { ViewType } from "@oicm/tracking";
 * const view: ViewType = "ALL";
 * ```
 */
export type ViewType = "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL";

/**
 * Tags as a record of key to value, or as a list of labels. A label becomes a
 * tag whose key is the label and whose value is `_OI_USER_TAG`, as OICM's
 * Python client writes them.
 *
 * @example
 * ```ts
 * import type { TagsInput } from "@oicm/tracking";
 * const labels: TagsInput = ["baseline", "resnet"];
 * const pairs: TagsInput = { team: "vision" };
 * ```
 */
export type TagsInput = readonly string[] | Readonly<Record<string, string>>;

/**
 * An experiment as the server describes it.
 *
 * @example
 * ```ts
 * import type { Experiment } from "@oicm/tracking";
 * const show = (e: Experiment) => `${e.experimentId} ${e.name} ${e.lifecycleStage}`;
 * ```
 */
export interface Experiment {
  /** The server's id for the experiment. */
  experimentId: string;
  /** The unique name. */
  name: string;
  /** `active`, or `deleted` after {@linkcode TrackingClient.deleteExperiment}. */
  lifecycleStage: LifecycleStage;
  /** Where the server keeps the experiment's artifacts. */
  artifactLocation?: string;
  /** The experiment's tags. */
  tags: Record<string, string>;
  /** Creation time, in milliseconds since the epoch. */
  creationTime?: number;
  /** Last update time, in milliseconds since the epoch. */
  lastUpdateTime?: number;
}

/**
 * What identifies a run and its state.
 *
 * @example
 * ```ts
 * import type { RunInfo } from "@oicm/tracking";
 * const line = (i: RunInfo) => `${i.runName} (${i.runId}): ${i.status}`;
 * ```
 */
export interface RunInfo {
  /** The server's id for the run. */
  runId: string;
  /** The run's display name. */
  runName: string;
  /** The experiment the run belongs to. */
  experimentId: string;
  /** The run's status. */
  status: RunStatus;
  /** Start time, in milliseconds since the epoch. */
  startTime: number;
  /** End time, in milliseconds since the epoch, once ended. */
  endTime?: number;
  /** `active`, or `deleted`. */
  lifecycleStage: LifecycleStage;
  /** Where the server keeps the run's artifacts. */
  artifactUri?: string;
}

/**
 * A run's logged data: the latest value of each metric, every param and tag.
 *
 * @example
 * ```ts
 * import type { RunData } from "@oicm/tracking";
 * const loss = (d: RunData) => d.metrics["loss"];
 * ```
 */
export interface RunData {
  /** The latest value per metric key. */
  metrics: Record<string, number>;
  /** Every param, as strings. */
  params: Record<string, string>;
  /** Every tag, reserved `mlflow.*` tags included. */
  tags: Record<string, string>;
}

/**
 * A run as returned by {@linkcode TrackingClient.getRun} and
 * {@linkcode TrackingClient.searchRuns}.
 *
 * @example
 * ```ts
 * import type { RunRecord } from "@oicm/tracking";
 * const summary = (r: RunRecord) => `${r.info.runName}: ${JSON.stringify(r.data.metrics)}`;
 * ```
 */
export interface RunRecord {
  /** Identity and state. */
  info: RunInfo;
  /** Logged data. */
  data: RunData;
  /** The datasets the run recorded with `logInput`, when the server lists them. */
  inputs?: DatasetInput[];
}

/**
 * A dataset a run used, as `run.logInput` records it (MLflow's `runs/log-inputs`; the MLflow
 * UI shows it in the runs table's Dataset column).
 *
 * @example
 * ```ts
 * import type { DatasetInput } from "@oicm/tracking";
 * const mnist: DatasetInput = { name: "mnist", source: "s3://data/mnist", context: "training" };
 * ```
 */
export interface DatasetInput {
  /** The dataset's name. */
  name: string;
  /** A digest of its content (a short hash of name, source and schema by default). */
  digest?: string;
  /** Where it comes from: a URI or a path. */
  source?: string;
  /**
   * What kind of source (`local`, `s3`, `http`, `code`...). Default: from the source's scheme,
   * or `code` with no source (the source is then the script that logged it, as MLflow's).
   */
  sourceType?: string;
  /** Its schema, as MLflow keeps it: a JSON string (an object is turned into one). */
  schema?: string | Record<string, unknown>;
  /** A profile of its content (row counts...), as a JSON string or an object. */
  profile?: string | Record<string, unknown>;
  /** How the run used it: `training`, `validation`, `evaluation`... (tag `mlflow.data.context`). */
  context?: string;
}

/**
 * One point of a metric's history.
 *
 * @example
 * ```ts
 * import type { MetricPoint } from "@oicm/tracking";
 * const p: MetricPoint = { key: "loss", value: 0.5, step: 3, timestamp: Date.now() };
 * ```
 */
export interface MetricPoint {
  /** The metric's key. */
  key: string;
  /** The value; may be NaN or ±Infinity. */
  value: number;
  /** The step (epoch, batch, ...); 0 when none was given. */
  step: number;
  /** When it was logged, in milliseconds since the epoch. */
  timestamp: number;
}

/**
 * One entry of a run's artifacts, as `listArtifacts` returns it (MLflow's `FileInfo`).
 *
 * @example
 * ```ts
 * import type { ArtifactEntry } from "@oicm/tracking";
 * const line = (e: ArtifactEntry) => e.isDir ? `${e.path}/` : `${e.path} (${e.fileSize} bytes)`;
 * ```
 */
export interface ArtifactEntry {
  /** The path in the run's artifacts, such as `model/model.json`. */
  path: string;
  /** Whether it is a folder. */
  isDir: boolean;
  /** A file's size in bytes, when known. */
  fileSize?: number;
}
