/**
 * The in-memory state of the fake MLflow server: experiments, runs, params,
 * tags and metric histories, with MLflow's server-side rules and error codes.
 * Requests and answers are MLflow's snake_case JSON.
 *
 * @module
 */
import { FakeArtifactStore } from "./artifact_store.ts";
import { addInputs, type StoredDatasetInput } from "./inputs.ts";
import { checkKey, checkLength, MLFLOW_LIMITS as LIMITS } from "./rules.ts";
import { type Lookup, parseSearchFilter, parseSortKeys, satisfies, sortBy } from "./search.ts";
import {
  encodeValue,
  int,
  invalid,
  type Json,
  list,
  metricValue,
  missing,
  MlflowFault,
  page,
  pairs,
  str,
} from "./wire.ts";

export { MlflowFault } from "./wire.ts";

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

  /** Answers `runs/log-batch,` validating the whole batch before writing any of it. */
  logBatch(body: Json): Json {
    const run = this.#activeRun(body);
    const metrics = list(body, "metrics");
    const params = list(body, "params");
    const tags = list(body, "tags");
    if (metrics.length > LIMITS.metricsPerBatch) {
      throw invalid(
        `A batch logging request can contain at most 1000 metrics. Got ${metrics.length}`,
      );
    }
    if (params.length > LIMITS.paramsPerBatch) {
      throw invalid(`A batch logging request can contain at most 100 params. Got ${params.length}`);
    }
    if (tags.length > LIMITS.tagsPerBatch) {
      throw invalid(`A batch logging request can contain at most 100 tags. Got ${tags.length}`);
    }
    const total = metrics.length + params.length + tags.length;
    if (total > LIMITS.entitiesPerBatch) {
      throw invalid(
        `A batch logging request can contain at most 1000 total entities. Got ${total}`,
      );
    }
    // Validate everything before writing anything, as MLflow does.
    const points = metrics.map((m) => {
      const key = checkKey("metric", m.key);
      return {
        key,
        // MLflow's SQL store keeps ±Infinity as ±Number.MAX_VALUE (SQL has no infinity).
        value: Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, metricValue(m.value, key))),
        timestamp: int(m, "timestamp") ?? 0,
        step: int(m, "step") ?? 0,
      };
    });
    const newParams = new Map<string, string>();
    for (const p of params) {
      const key = checkKey("param", p.key);
      const value = checkLength(
        `Param value for '${key}'`,
        String(p.value ?? ""),
        LIMITS.paramValue,
      );
      const old = run.params.get(key) ?? newParams.get(key);
      if (old !== undefined && old !== value) {
        throw invalid(
          `Changing param values is not allowed. Param with key='${key}' was already logged ` +
            `with value='${old}' for run ID='${run.info.run_id}'. Attempted logging new value '${value}'.`,
        );
      }
      newParams.set(key, value);
    }
    const newTags = tags.map((t) => {
      const key = checkKey("tag", t.key);
      const value = checkLength(`Tag value for '${key}'`, String(t.value ?? ""), LIMITS.tagValue);
      return [key, value] as const;
    });
    for (const [k, v] of newParams) run.params.set(k, v);
    for (const [k, v] of newTags) {
      run.tags.set(k, v);
      if (k === "mlflow.runName") run.info.run_name = v;
    }
    for (const p of points) {
      let h = run.history.get(p.key);
      if (h === undefined) run.history.set(p.key, h = []);
      h.push(p);
      const last = run.latest.get(p.key);
      if (
        last === undefined || p.step > last.step ||
        (p.step === last.step && p.timestamp >= last.timestamp)
      ) run.latest.set(p.key, p);
    }
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
