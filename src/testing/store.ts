/**
 * The in-memory state of the fake MLflow server: experiments, runs, params,
 * tags and metric histories, with MLflow's server-side rules and error codes.
 * Requests and answers are MLflow's snake_case JSON.
 *
 * Why it is long: it answers every MLflow route the fake serves, each a few
 * lines over the rules in `rules.ts`, `search.ts`, `log_batch.ts` and
 * `inputs.ts`.
 *
 * @module
 */
import { FakeArtifactStore } from "./artifact_store.ts";
import { addInputs } from "./inputs.ts";
import { checkKey, checkLength, MLFLOW_LIMITS as LIMITS } from "./rules.ts";
import { type Lookup, parseSearchFilter, parseSortKeys, satisfies, sortBy } from "./search.ts";
import {
  encodeValue,
  int,
  invalid,
  type Json,
  list,
  missing,
  MlflowFault,
  page,
  pairs,
  str,
} from "./wire.ts";

export { MlflowFault } from "./wire.ts";
export type { Point, StoredExperiment, StoredRun, StoredRunInfo } from "./stored.ts";
import type { StoredExperiment, StoredRun } from "./stored.ts";
import { applyBatch } from "./log_batch.ts";

const STATUSES = new Set(["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"]);
const VIEW_TYPES = new Set(["ACTIVE_ONLY", "DELETED_ONLY", "ALL"]);

/**
 * One MLflow tracking store (a workspace, or the whole plain server).
 *
 * @example
 * ```ts
 * import { FakeStore } from "@oicm/tracking/testing";
 * const store = new FakeStore();
 * console.log(store.experiments.get("0")?.name); // "Default"
 * ```
 */
export class FakeStore {
  /** Experiments by id. */
  readonly experiments: Map<string, StoredExperiment> = new Map();
  /** Runs by id. */
  readonly runs: Map<string, StoredRun> = new Map();
  /** The runs' artifact files, below each run's artifact root (`0/<run id>/artifacts/...`). */
  readonly artifacts: FakeArtifactStore;
  /**
   * A new run's artifact URI: MLflow's `mlflow-artifacts:/<experiment>/<run>/artifacts` by
   * default; the fake server sets an `http(s)` one for OICM workspaces, as OICM gives.
   */
  artifactUri: (experimentId: string, runId: string) => string = (e, r) =>
    `mlflow-artifacts:/${e}/${r}/artifacts`;
  #nextExperiment = 1;

  /** An empty store with MLflow's Default experiment `0`; artifact files in memory or in `artifacts`. */
  constructor(artifacts: FakeArtifactStore = new FakeArtifactStore()) {
    this.artifacts = artifacts;
    this.#addExperiment("0", "Default", new Map());
  }

  #addExperiment(id: string, name: string, tags: Map<string, string>): StoredExperiment {
    const now = Date.now();
    const e: StoredExperiment = {
      experiment_id: id,
      name,
      artifact_location: `mlflow-artifacts:/${id}`,
      lifecycle_stage: "active",
      creation_time: now,
      last_update_time: now,
      tags,
    };
    this.experiments.set(id, e);
    return e;
  }

  #experiment(id: string | undefined): StoredExperiment {
    const e = id === undefined ? undefined : this.experiments.get(id);
    if (e === undefined) throw missing(`No Experiment with id=${id} exists`);
    return e;
  }

  #run(id: string | undefined): StoredRun {
    const r = id === undefined ? undefined : this.runs.get(id);
    if (r === undefined) throw missing(`Run with id=${id} not found`);
    return r;
  }

  #activeRun(body: Json): StoredRun {
    const run = this.#run(str(body, "run_id", false) ?? str(body, "run_uuid"));
    if (run.info.lifecycle_stage !== "active") {
      throw invalid(
        `The run ${run.info.run_id} must be in the 'active' state. Current state is deleted.`,
      );
    }
    return run;
  }

  #experimentJson(e: StoredExperiment): Json {
    return { ...e, tags: pairs(e.tags) };
  }

  #runJson(r: StoredRun): Json {
    return {
      info: { ...r.info },
      data: {
        metrics: [...r.latest.values()].map((m) => ({ ...m, value: encodeValue(m.value) })),
        params: pairs(r.params),
        tags: pairs(r.tags),
      },
      inputs: r.inputs.length === 0 ? {} : { dataset_inputs: structuredClone(r.inputs) },
    };
  }

  /** Answers `experiments/create`. */
  createExperiment(body: Json): Json {
    const name = str(body, "name")!;
    checkLength("Experiment name", name, LIMITS.experimentName);
    for (const e of this.experiments.values()) {
      if (e.name === name) {
        throw new MlflowFault(
          400,
          "RESOURCE_ALREADY_EXISTS",
          `Experiment(name=${name}) already exists.`,
        );
      }
    }
    const tags = new Map<string, string>();
    for (const t of list(body, "tags")) tags.set(checkKey("tag", t.key), String(t.value ?? ""));
    const id = String(this.#nextExperiment++);
    this.#addExperiment(id, name, tags);
    return { experiment_id: id };
  }

  /** Answers `experiments/get`. */
  getExperiment(body: Json): Json {
    return { experiment: this.#experimentJson(this.#experiment(str(body, "experiment_id"))) };
  }

  /** Answers `experiments/get-by-name`. */
  getExperimentByName(body: Json): Json {
    const name = str(body, "experiment_name")!;
    for (const e of this.experiments.values()) {
      if (e.name === name) return { experiment: this.#experimentJson(e) };
    }
    throw missing(`Could not find experiment with name '${name}'`);
  }

  /** Answers `experiments/search`. */
  searchExperiments(body: Json): Json {
    const view = str(body, "view_type", false) ?? "ACTIVE_ONLY";
    if (!VIEW_TYPES.has(view)) throw invalid(`Invalid view_type '${view}'`);
    const clauses = parseSearchFilter(str(body, "filter", false));
    const read = (e: StoredExperiment): Lookup => (entity, key) => {
      if (entity === "tags") return e.tags.get(key);
      if (entity !== "attributes") return undefined;
      return (e as unknown as Json)[key] as string | number | undefined;
    };
    const found = [...this.experiments.values()].filter((e) =>
      visible(e.lifecycle_stage, view) && satisfies(clauses, read(e))
    );
    const order = parseSortKeys(body.order_by);
    sortBy(
      found,
      order.length > 0 ? order : [
        { entity: "attributes", key: "last_update_time", ascending: false },
        { entity: "attributes", key: "experiment_id", ascending: true },
      ],
      read,
    );
    const { items, next } = page(found, body, 1000);
    return {
      experiments: items.map((e) => this.#experimentJson(e)),
      ...(next ? { next_page_token: next } : {}),
    };
  }

  /** Answers `experiments/delete` (runs are deleted with it). */
  deleteExperiment(body: Json): Json {
    const e = this.#experiment(str(body, "experiment_id"));
    if (e.experiment_id === "0") throw invalid("Cannot delete the default experiment '0'.");
    e.lifecycle_stage = "deleted";
    for (const r of this.runs.values()) {
      if (r.info.experiment_id === e.experiment_id) r.info.lifecycle_stage = "deleted";
    }
    return {};
  }

  /** Answers `experiments/restore`. */
  restoreExperiment(body: Json): Json {
    this.#experiment(str(body, "experiment_id")).lifecycle_stage = "active";
    return {};
  }

  /** Answers `experiments/update`. */
  updateExperiment(body: Json): Json {
    this.#experiment(str(body, "experiment_id")).name = str(body, "new_name")!;
    return {};
  }

  /** Answers `experiments/set-experiment-tag`. */
  setExperimentTag(body: Json): Json {
    const e = this.#experiment(str(body, "experiment_id"));
    if (e.lifecycle_stage !== "active") throw invalid("The experiment must be active");
    e.tags.set(checkKey("tag", body.key), String(body.value ?? ""));
    return {};
  }

  /** Answers `runs/create`. */
  createRun(body: Json): Json {
    const e = this.#experiment(str(body, "experiment_id"));
    if (e.lifecycle_stage !== "active") {
      throw invalid(`The experiment ${e.experiment_id} must be in the 'active' state.`);
    }
    const id = crypto.randomUUID().replace(/-/g, "");
    const tags = new Map<string, string>();
    for (const t of list(body, "tags")) tags.set(checkKey("tag", t.key), String(t.value ?? ""));
    const name = str(body, "run_name", false) ?? tags.get("mlflow.runName") ??
      madeUpName();
    tags.set("mlflow.runName", name);
    const run: StoredRun = {
      info: {
        run_id: id,
        run_uuid: id,
        run_name: name,
        experiment_id: e.experiment_id,
        user_id: str(body, "user_id", false) ?? "", // as MLflow: from the request, not a tag
        status: "RUNNING",
        start_time: int(body, "start_time") ?? Date.now(),
        artifact_uri: this.artifactUri(e.experiment_id, id),
        lifecycle_stage: "active",
      },
      params: new Map(),
      tags,
      history: new Map(),
      latest: new Map(),
      inputs: [],
    };
    this.runs.set(id, run);
    return { run: this.#runJson(run) };
  }

  /** Answers `runs/update`. */
  updateRun(body: Json): Json {
    const run = this.#activeRun(body);
    const status = str(body, "status", false);
    if (status !== undefined) {
      if (!STATUSES.has(status)) throw invalid(`Invalid run status '${status}'`);
      run.info.status = status;
      if (status === "RUNNING") delete run.info.end_time;
    }
    const end = int(body, "end_time");
    if (end !== undefined) run.info.end_time = end;
    const name = str(body, "run_name", false);
    if (name !== undefined) {
      run.info.run_name = name;
      run.tags.set("mlflow.runName", name);
    }
    return { run_info: { ...run.info } };
  }

  /** Answers `runs/get`. */
  getRun(body: Json): Json {
    return { run: this.#runJson(this.#run(str(body, "run_id", false) ?? str(body, "run_uuid"))) };
  }

  /** Answers `runs/delete`. */
  deleteRun(body: Json): Json {
    this.#run(str(body, "run_id")).info.lifecycle_stage = "deleted";
    return {};
  }

  /** Answers `runs/restore`. */
  restoreRun(body: Json): Json {
    this.#run(str(body, "run_id")).info.lifecycle_stage = "active";
    return {};
  }

  /** Answers `runs/search`. */
  searchRuns(body: Json): Json {
    const ids = body.experiment_ids;
    if (!Array.isArray(ids) || ids.length === 0) {
      throw invalid("Missing value for required parameter 'experiment_ids'.");
    }
    const view = str(body, "run_view_type", false) ?? "ACTIVE_ONLY";
    if (!VIEW_TYPES.has(view)) throw invalid(`Invalid run_view_type '${view}'`);
    const clauses = parseSearchFilter(str(body, "filter", false));
    const wanted = new Set(ids.map(String));
    const read = (r: StoredRun): Lookup => (entity, key) => {
      if (entity === "tags") return r.tags.get(key);
      if (entity === "params") return r.params.get(key);
      if (entity === "metrics") return r.latest.get(key)?.value;
      if (key === "run_name" || key === "name") return r.info.run_name;
      if (key === "id") return r.info.run_id;
      return (r.info as unknown as Json)[key] as string | number | undefined;
    };
    const found = [...this.runs.values()].filter((r) =>
      wanted.has(r.info.experiment_id) && visible(r.info.lifecycle_stage, view) &&
      satisfies(clauses, read(r))
    );
    sortBy(found, [
      ...parseSortKeys(body.order_by),
      { entity: "attributes", key: "start_time", ascending: false },
      { entity: "attributes", key: "run_id", ascending: true },
    ], read);
    const { items, next } = page(found, body, 1000);
    return { runs: items.map((r) => this.#runJson(r)), ...(next ? { next_page_token: next } : {}) };
  }

  /** Answers `runs/log-batch`, validating the whole batch before writing any of it. */
  logBatch(body: Json): Json {
    applyBatch(this.#activeRun(body), body);
    return {};
  }

  /** Answers `runs/log-inputs`. */
  logInputs(body: Json): Json {
    addInputs(this.#activeRun(body).inputs, body);
    return {};
  }

  /** Answers `runs/log-metric`. */
  logMetric(body: Json): Json {
    return this.logBatch({ run_id: body.run_id ?? body.run_uuid, metrics: [body] });
  }

  /** Answers `runs/log-parameter`. */
  logParameter(body: Json): Json {
    return this.logBatch({ run_id: body.run_id ?? body.run_uuid, params: [body] });
  }

  /** Answers `runs/set-tag`. */
  setTag(body: Json): Json {
    return this.logBatch({ run_id: body.run_id ?? body.run_uuid, tags: [body] });
  }

  /** Answers `runs/delete-tag`. */
  deleteTag(body: Json): Json {
    const run = this.#activeRun(body);
    const key = str(body, "key")!;
    if (!run.tags.delete(key)) {
      throw missing(`No tag with name: ${key} in run with id ${run.info.run_id}`);
    }
    return {};
  }

  /** Answers `metrics/get-history` (paged). */
  getMetricHistory(body: Json): Json {
    const run = this.#run(str(body, "run_id", false) ?? str(body, "run_uuid"));
    const key = str(body, "metric_key")!;
    const history = run.history.get(key) ?? [];
    const { items, next } = page(history, body, 25_000);
    return {
      metrics: items.map((m) => ({ ...m, value: encodeValue(m.value) })),
      ...(next ? { next_page_token: next } : {}),
    };
  }
}

/** A name for a run created without one, as MLflow's server makes one up (`keen-heron-42`). */
function madeUpName(): string {
  const words = ["keen", "calm", "bold", "wise", "warm", "swift"];
  const animals = ["heron", "otter", "lynx", "finch", "koala", "trout"];
  const any = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];
  return `${any(words)}-${any(animals)}-${Math.floor(Math.random() * 1000)}`;
}

function visible(stage: string, view: string): boolean {
  return view === "ALL" || (view === "ACTIVE_ONLY") === (stage === "active");
}
