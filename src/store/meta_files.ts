/**
 * The `meta.yaml` of experiments and runs as MLflow's FileStore writes them
 * (run statuses as its numeric codes), read back into our records; a new
 * run's info; the fields search filters and orders runs by.
 *
 * @module
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { NewRun } from "../core/backend.ts";
import type { FieldReader } from "../core/filter.ts";
import { generateRunName } from "../core/run_names.ts";
import type { Experiment, RunInfo, RunRecord, RunStatus } from "../core/types.ts";
import { type MetaValue, writeMeta } from "./meta_yaml.ts";

const STATUS_CODES: Record<RunStatus, number> = {
  RUNNING: 1,
  SCHEDULED: 2,
  FINISHED: 3,
  FAILED: 4,
  KILLED: 5,
};
const STATUS_NAMES = Object.fromEntries(
  Object.entries(STATUS_CODES).map(([k, v]) => [v, k as RunStatus]),
);

/** A run's info from its `meta.yaml` fields (`run_id`, or the older `run_uuid`, is checked by the caller). */
export function runInfoOf(m: Record<string, MetaValue>): RunInfo {
  const info: RunInfo = {
    runId: String(m.run_id ?? m.run_uuid),
    runName: String(m.run_name ?? ""),
    experimentId: String(m.experiment_id),
    status: STATUS_NAMES[Number(m.status)] ?? "RUNNING",
    startTime: Number(m.start_time ?? 0),
    lifecycleStage: m.lifecycle_stage === "deleted" ? "deleted" : "active",
  };
  if (typeof m.end_time === "number") info.endTime = m.end_time;
  if (typeof m.artifact_uri === "string") info.artifactUri = m.artifact_uri;
  return info;
}

/** The info and tags of a run being created in `dir`. */
export function newRun(
  run: NewRun,
  runId: string,
  dir: string,
): { info: RunInfo; tags: Record<string, string> } {
  const runName = run.runName ?? run.tags["mlflow.runName"] ?? generateRunName();
  const tags: Record<string, string> = { ...run.tags, "mlflow.runName": runName };
  const info: RunInfo = {
    runId,
    runName,
    experimentId: run.experimentId,
    status: "RUNNING",
    startTime: run.startTime,
    lifecycleStage: "active",
    artifactUri: pathToFileURL(join(dir, "artifacts")).href,
  };
  return { info, tags };
}

/** An experiment's `meta.yaml`. */
export function experimentMetaText(
  dir: string,
  id: string,
  name: string,
  now = Date.now(),
): string {
  return writeMeta({
    artifact_location: pathToFileURL(dir).href,
    creation_time: now,
    experiment_id: id,
    last_update_time: now,
    lifecycle_stage: "active",
    name,
  });
}

/** A run's `meta.yaml`. */
export function runMetaText(dir: string, info: RunInfo, user: string): string {
  return writeMeta({
    artifact_uri: info.artifactUri ?? pathToFileURL(join(dir, "artifacts")).href,
    end_time: info.endTime ?? null,
    entry_point_name: "",
    experiment_id: info.experimentId,
    lifecycle_stage: info.lifecycleStage,
    run_id: info.runId,
    run_name: info.runName,
    run_uuid: info.runId,
    source_name: "",
    source_type: 4,
    source_version: "",
    start_time: info.startTime,
    status: STATUS_CODES[info.status],
    tags: [],
    user_id: user,
  });
}

/** The fields of a run that search filters and orders by. */
export function runReader(run: RunRecord): FieldReader {
  return (kind, key) => {
    if (kind === "tag") return run.data.tags[key];
    if (kind === "param") return run.data.params[key];
    if (kind === "metric") return run.data.metrics[key];
    switch (key) {
      case "run_name":
      case "name":
        return run.info.runName;
      case "run_id":
      case "id":
        return run.info.runId;
      case "status":
        return run.info.status;
      case "start_time":
        return run.info.startTime;
      case "end_time":
        return run.info.endTime;
      case "lifecycle_stage":
        return run.info.lifecycleStage;
      default:
        return undefined;
    }
  };
}

/** An experiment from its `meta.yaml` fields and its tags. */
export function experimentOf(
  m: Record<string, MetaValue>,
  tags: Record<string, string>,
): Experiment {
  const out: Experiment = {
    experimentId: String(m.experiment_id),
    name: String(m.name),
    lifecycleStage: m.lifecycle_stage === "deleted" ? "deleted" : "active",
    tags,
  };
  if (typeof m.artifact_location === "string") out.artifactLocation = m.artifact_location;
  if (typeof m.creation_time === "number") out.creationTime = m.creation_time;
  if (typeof m.last_update_time === "number") out.lastUpdateTime = m.last_update_time;
  return out;
}

/** The fields of an experiment that search filters and orders by. */
export function experimentReader(e: Experiment): FieldReader {
  return (kind, key) =>
    kind === "tag"
      ? e.tags[key]
      : kind !== "attribute"
      ? undefined
      : key === "name"
      ? e.name
      : key === "experiment_id"
      ? e.experimentId
      : key === "creation_time"
      ? e.creationTime
      : key === "last_update_time"
      ? e.lastUpdateTime
      : undefined;
}
