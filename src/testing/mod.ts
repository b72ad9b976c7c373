/**
 * Test your training code without a tracking server: {@linkcode FakeMlflowServer}
 * is an in-memory MLflow REST server (plain and OICM workspace routes) with
 * MLflow's validation, bearer-key checking and fault injection.
 *
 * @example
 * ```ts
 * import { TrackingClient } from "@oicm/tracking";
 * import { FakeMlflowServer } from "@oicm/tracking/testing";
 *
 * const server = new FakeMlflowServer();
 * const client = new TrackingClient({ apiHost: "http://fake", fetch: server.fetch });
 * await client.withRun({ runName: "unit" }, (run) => run.logMetric("loss", 0.1));
 * await client.close();
 * ```
 *
 * @module
 */
export { FakeMlflowServer, type FakeServerOptions, type RecordedRequest } from "./fake_server.ts";
export { FakeArtifactStore, type FileInfoJson, type StoredFile } from "./artifact_store.ts";
export type { StoredDatasetInput } from "./inputs.ts";
export {
  type FailOptions,
  type FaultAction,
  Faults,
  type PoolOptions,
  poolTimeoutBody,
} from "./faults.ts";
export type { Listening } from "./listen.ts";
export { type FakeLoggedModel, loggedModelsOf } from "./logged_models.ts";
export {
  FakeStore,
  MlflowFault,
  type Point,
  type StoredExperiment,
  type StoredRun,
  type StoredRunInfo,
} from "./store.ts";
export type { Json } from "./wire.ts";
