/**
 * What the fake server stores, as tests read it: experiments, runs (info,
 * params, tags, every metric point, the latest per key, dataset inputs).
 *
 * @module
 */
import type { StoredDatasetInput } from "./inputs.ts";

/**
 * One metric point as stored.
 *
 * @example
 * ```ts
 * import type { Point } from "@oicm/tracking/testing";
 * const p: Point = { key: "loss", value: 0.1, timestamp: 0, step: 1 };
 * ```
 */
export interface Point {
  /** Metric key. */
  key: string;
  /** Value (NaN and ±Infinity included). */
  value: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  /** Step. */
  step: number;
}

/**
 * An experiment as stored, in MLflow's field names.
 *
 * @example
 * ```ts
 * import type { StoredExperiment } from "@oicm/tracking/testing";
 * const name = (e: StoredExperiment) => e.name;
 * ```
 */
export interface StoredExperiment {
  /** Id. */
  experiment_id: string;
  /** Unique name. */
  name: string;
  /** Artifact root. */
  artifact_location: string;
  /** `active` or `deleted`. */
  lifecycle_stage: "active" | "deleted";
  /** Creation time (ms). */
  creation_time: number;
  /** Last update time (ms). */
  last_update_time: number;
  /** Tags. */
  tags: Map<string, string>;
}

/**
 * A run's info as stored, in MLflow's field names.
 *
 * @example
 * ```ts
 * import type { StoredRunInfo } from "@oicm/tracking/testing";
 * const status = (i: StoredRunInfo) => i.status;
 * ```
 */
export interface StoredRunInfo {
  /** Id. */
  run_id: string;
  /** Id again (MLflow's older name). */
  run_uuid: string;
  /** Display name. */
  run_name: string;
  /** Owning experiment. */
  experiment_id: string;
  /** `mlflow.user` at creation. */
  user_id: string;
  /** RUNNING, SCHEDULED, FINISHED, FAILED or KILLED. */
  status: string;
  /** Start time (ms). */
  start_time: number;
  /** End time (ms), once ended. */
  end_time?: number;
  /** Artifact root. */
  artifact_uri: string;
  /** `active` or `deleted`. */
  lifecycle_stage: "active" | "deleted";
}

/**
 * A run as stored: info, params, tags, every metric point and the latest per key.
 *
 * @example
 * ```ts
 * import type { StoredRun } from "@oicm/tracking/testing";
 * const loss = (r: StoredRun) => r.latest.get("loss")?.value;
 * ```
 */
export interface StoredRun {
  /** Identity and state. */
  info: StoredRunInfo;
  /** Params. */
  params: Map<string, string>;
  /** Tags. */
  tags: Map<string, string>;
  /** Every point of every metric, in arrival order. */
  history: Map<string, Point[]>;
  /** The latest point per metric (highest step, then timestamp). */
  latest: Map<string, Point>;
  /** Datasets the run used (`runs/log-inputs`). */
  inputs: StoredDatasetInput[];
}
