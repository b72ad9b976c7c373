/**
 * The MLflow REST routes the client uses, one table shared by the REST backend
 * (which calls them) and the fake server (which serves them).
 *
 * @module
 */

/** An MLflow REST route: method and path below `/api/2.0/mlflow/`. */
export interface Route {
  /** HTTP method. */
  readonly method: "GET" | "POST";
  /** Path below the MLflow API prefix. */
  readonly path: string;
}

/** Every route of the MLflow REST API 2.0 this package speaks. */
export const ROUTES = {
  createExperiment: { method: "POST", path: "experiments/create" },
  getExperiment: { method: "GET", path: "experiments/get" },
  getExperimentByName: { method: "GET", path: "experiments/get-by-name" },
  searchExperiments: { method: "POST", path: "experiments/search" },
  deleteExperiment: { method: "POST", path: "experiments/delete" },
  restoreExperiment: { method: "POST", path: "experiments/restore" },
  updateExperiment: { method: "POST", path: "experiments/update" },
  setExperimentTag: { method: "POST", path: "experiments/set-experiment-tag" },
  createRun: { method: "POST", path: "runs/create" },
  updateRun: { method: "POST", path: "runs/update" },
  getRun: { method: "GET", path: "runs/get" },
  deleteRun: { method: "POST", path: "runs/delete" },
  restoreRun: { method: "POST", path: "runs/restore" },
  searchRuns: { method: "POST", path: "runs/search" },
  logBatch: { method: "POST", path: "runs/log-batch" },
  logInputs: { method: "POST", path: "runs/log-inputs" },
  logMetric: { method: "POST", path: "runs/log-metric" },
  logParameter: { method: "POST", path: "runs/log-parameter" },
  setTag: { method: "POST", path: "runs/set-tag" },
  deleteTag: { method: "POST", path: "runs/delete-tag" },
  getMetricHistory: { method: "GET", path: "metrics/get-history" },
} as const satisfies Record<string, Route>;

/** The name of a route in {@linkcode ROUTES}. */
export type RouteName = keyof typeof ROUTES;

/** The prefix of every MLflow REST route below a tracking URI. */
export const MLFLOW_API_PREFIX = "/api/2.0/mlflow/";

/** The suffix that marks an OICM Tracking API host. */
export const OICM_HOST_SUFFIX = "/api/tracking";

/**
 * The MLflow tracking URI of one OICM workspace, as OICM's Python client v2
 * builds it: `{apiHost}/v1/workspaces/{workspaceId}/mlflow`.
 */
export function oicmTrackingUri(apiHost: string, workspaceId: string): string {
  return `${apiHost}/v1/workspaces/${encodeURIComponent(workspaceId)}/mlflow`;
}
