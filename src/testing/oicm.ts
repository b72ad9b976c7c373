/**
 * What the fake server serves of OICM Tracking beyond plain MLflow: the MLflow
 * routes OICM's Python v2 client reaches (its allow-list, plus `log-batch`),
 * its own run lookup by name, and the liveness and version probes. In OICM
 * mode the fake serves only these, so a test against it shows that a client
 * needs nothing more.
 *
 * @module
 */
import type { RouteName } from "../http/routes.ts";
import type { FakeStore } from "./store.ts";
import { int, type Json, str } from "./wire.ts";

/**
 * The MLflow routes behind the Python v2 client's allow-list (`set_experiment`, `start_run`,
 * `log_param(s)`, `log_metric`, `set_tags`, `end_run`, `get_run`, `get_experiment(_by_name)`,
 * `delete_experiment`), and `log-batch`, which MLflow's own client sends for them.
 */
export const OICM_MLFLOW_ROUTES: ReadonlySet<RouteName> = new Set<RouteName>([
  "createExperiment",
  "getExperiment",
  "getExperimentByName",
  "deleteExperiment",
  "setExperimentTag",
  "createRun",
  "updateRun",
  "getRun",
  "logBatch",
  "logMetric",
  "logParameter",
  "setTag",
]);

/**
 * Answers OICM's `GET /api/tracking/v2/workspaces/{ws}/experiments/{id}/runs`
 * (`offset`, `limit`, `search`, `name`, `fetch_all`): the experiment's runs
 * whose name is `name` (and holds `search`), newest first, deleted ones
 * included with their `lifecycle_stage`, as `{ items: [{ _id, ... }], total }`.
 */
export function oicmRuns(store: FakeStore, experimentId: string, query: Json): Json {
  const offset = int(query, "offset") ?? 0;
  const limit = int(query, "limit") ?? 1000;
  const name = str(query, "name", false);
  const search = str(query, "search", false);
  const runs = [...store.runs.values()]
    .filter((r) => r.info.experiment_id === experimentId)
    .filter((r) => name === undefined || r.info.run_name === name)
    .filter((r) => search === undefined || r.info.run_name.includes(search))
    .sort((a, b) => b.info.start_time - a.info.start_time);
  const items = runs.slice(offset, offset + limit).map((r) => ({
    _id: r.info.run_id,
    name: r.info.run_name,
    experiment_id: r.info.experiment_id,
    status: r.info.status,
    lifecycle_stage: r.info.lifecycle_stage,
    start_time: r.info.start_time,
    end_time: r.info.end_time ?? null,
    tags: [...r.tags.keys()].filter((k) => r.tags.get(k) === "_OI_USER_TAG"),
  }));
  return { items, total: runs.length, offset, limit };
}
