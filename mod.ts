/**
 * Experiment tracking for TypeScript: record experiments, runs, params,
 * metrics and tags in OICM Tracking or any MLflow tracking server, from Deno,
 * Bun and Node.
 *
 * @example
 * ```ts
 * import { TrackingClient } from "@oicm/tracking";
 * import { FakeMlflowServer } from "@oicm/tracking/testing";
 *
 * const client = new TrackingClient({ apiHost: "http://fake", fetch: new FakeMlflowServer().fetch });
 * await client.setExperiment("mnist");
 * await using run = await client.startRun({ runName: "baseline", tags: ["baseline"] });
 * run.logParam("lr", 0.001);
 * run.logMetric("loss", 0.25, { step: 1 });
 * ```
 *
 * @module
 */
export { TrackingClient } from "./src/client/client.ts";
export type {
  MultipartUploadOptions,
  SearchExperimentsOptions,
  SearchRunsOptions,
  SetExperimentOptions,
  StartRunOptions,
  TrackingClientOptions,
} from "./src/client/options.ts";
export { Run } from "./src/client/run.ts";
export { credentialsFromEnv, type EnvCredentials } from "./src/client/env_credentials.ts";
export {
  type TrackableFunction,
  tracked,
  type TrackedDecorator,
  type TrackedOptions,
} from "./src/tracked/decorator.ts";
export type { ParamSelection } from "./src/tracked/param_capture.ts";
export type { RedactOption } from "./src/core/redact.ts";
export type { MetricOptions } from "./src/client/recorder.ts";
export type { SyncProgress, SyncReport } from "./src/sync/sync_record.ts";
export type { SystemMetricsOptions } from "./src/system_metrics/system_metrics.ts";
export type { HealthReport } from "./src/rest/oicm_health.ts";
export { errorTags } from "./src/core/error_tags.ts";
export type { LoggedModelInfo, ModelToLog } from "./src/models/model_folder.ts";
export type { LoadedModel } from "./src/models/load_model.ts";
export type { MlModel } from "./src/models/mlmodel.ts";
export type { ModelSignature, TensorSpec } from "./src/models/signature.ts";
export type { RetryOptions } from "./src/http/retry.ts";
export type { FetchFn } from "./src/http/transport.ts";
export {
  AlreadyExistsError,
  AuthError,
  DeliveryError,
  NotFoundError,
  ParamConflictError,
  TrackingError,
  type TrackingErrorInit,
  UnavailableError,
  ValidationError,
} from "./src/core/errors.ts";
export type {
  ArtifactEntry,
  DatasetInput,
  EndStatus,
  Experiment,
  LifecycleStage,
  MetricPoint,
  RunData,
  RunInfo,
  RunRecord,
  RunStatus,
  TagsInput,
  ViewType,
} from "./src/core/types.ts";
