/**
 * The in-memory state of the fake MLflow server: experiments, runs, params,
 * tags and metric histories, with MLflow's server-side rules and error codes.
 * Requests and answers are MLflow's snake_case JSON.
 *
 * @module
 */
import {
  comparator,
  type FieldReader,
  matches,
  parseFilter,
  parseOrderBy,
} from "../filter.ts";
import { ValidationError } from "../errors.ts";
import { LIMITS, validateKey } from "../validate.ts";

/** An MLflow error answer: HTTP status, `error_code` and message. */
export class MlflowFault extends Error {
  /** HTTP status. */
  readonly status: number;
  /** MLflow `error_code`. */
  readonly code: string;
  /** Builds a fault. */
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const invalid = (message: string) => new MlflowFault(400, "INVALID_PARAMETER_VALUE", message);
const missing = (message: string) => new MlflowFault(404, "RESOURCE_DOES_NOT_EXIST", message);

type Json = Record<string, unknown>;
interface Point {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

interface StoredExperiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: "active" | "deleted";
  creation_time: number;
  last_update_time: number;
  tags: Map<string, string>;
}

interface StoredRun {
  info: {
    run_id: string;
    run_uuid: string;
    run_name: string;
    experiment_id: string;
    user_id: string;
    status: string;
    start_time: number;
    end_time?: number;
    artifact_uri: string;
    lifecycle_stage: "active" | "deleted";
  };
  params: Map<string, string>;
  tags: Map<string, string>;
  history: Map<string, Point[]>;
  latest: Map<string, Point>;
}

const STATUSES = new Set(["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"]);
const VIEW_TYPES = new Set(["ACTIVE_ONLY", "DELETED_ONLY", "ALL"]);

function str(body: Json, field: string, required = true): string | undefined {
  const v = body[field];
  if (v === undefined || v === null || v === "") {
    if (required) throw invalid(`Missing value for required parameter '${field}'.`);
    return undefined;
  }
  if (typeof v !== "string") throw invalid(`Invalid value for parameter '${field}': not a string`);
  return v;
}

function int(body: Json, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n)) {
    throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${field}': not an integer`);
  }
  return n;
}

function metricValue(v: unknown, key: string): number {
  if (typeof v === "number") return v;
  if (v === "NaN") return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  throw invalid(`Got invalid value ${JSON.stringify(v)} for metric '${key}'`);
}

function encodeValue(v: number): number | string {
  return Number.isFinite(v) ? v : Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
}

function checkKey(kind: string, key: unknown): string {
  try {
    return validateKey(kind, key);
  } catch (err) {
    throw invalid(err instanceof ValidationError ? err.message : String(err));
  }
}

function pairs(map: Map<string, string>): { key: string; value: string }[] {
  return [...map].map(([key, value]) => ({ key, value }));
}

function page<T>(items: T[], body: Json, defaultMax: number): { items: T[]; next?: string } {
  const max = int(body, "max_results") ?? defaultMax;
  if (max <= 0 || max > 50_000) throw invalid(`max_results must be in (0, 50000], got ${max}`);
  const token = str(body, "page_token", false);
  let offset = 0;
  if (token !== undefined) {
    offset = Number(atob(token));
    if (!Number.isSafeInteger(offset) || offset < 0) throw invalid("Invalid page token");
  }
  const slice = items.slice(offset, offset + max);
  return offset + max < items.length ? { items: slice, next: btoa(String(offset + max)) } : {
    items: slice,
  };
}

/** One MLflow tracking store (a workspace, or the whole plain server). */
export class FakeStore {
  readonly experiments = new Map<string, StoredExperiment>();
  readonly runs = new Map<string, StoredRun>();
  #nextExperiment = 1;

  constructor() {
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
    };
  }

  createExperiment(body: Json): Json {
    const name = str(body, "name")!;
    if (name.length > LIMITS.experimentNameLength) throw invalid("Experiment name is too long");
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
    for (const t of (body.tags as Json[] | undefined) ?? []) {
      tags.set(checkKey("tag", t.key), String(t.value ?? ""));
    }
    const id = String(this.#nextExperiment++);
    this.#addExperiment(id, name, tags);
    return { experiment_id: id };
  }

  getExperiment(body: Json): Json {
    return { experiment: this.#experimentJson(this.#experiment(str(body, "experiment_id"))) };
  }

  getExperimentByName(body: Json): Json {
    const name = str(body, "experiment_name")!;
    for (const e of this.experiments.values()) {
      if (e.name === name) return { experiment: this.#experimentJson(e) };
    }
    throw missing(`Could not find experiment with name '${name}'`);
  }

  searchExperiments(body: Json): Json {
    const view = str(body, "view_type", false) ?? "ACTIVE_ONLY";
    if (!VIEW_TYPES.has(view)) throw invalid(`Invalid view_type '${view}'`);
    const clauses = parseClauses(body);
    const read = (e: StoredExperiment): FieldReader => (kind, key) => {
      if (kind === "tag") return e.tags.get(key);
      if (kind !== "attribute") return undefined;
      return (e as unknown as Json)[key] as string | number | undefined;
    };
    const found = [...this.experiments.values()].filter((e) =>
      visible(e.lifecycle_stage, view) && matches(clauses, read(e))
    );
    const order = parseOrderBy(body.order_by as string[] | undefined);
    found.sort(
      comparator(
        order.length > 0 ? order : [
          { kind: "attribute", key: "last_update_time", ascending: false },
          { kind: "attribute", key: "experiment_id", ascending: true },
        ],
        read,
      ),
    );
    const { items, next } = page(found, body, 1000);
    return {
      experiments: items.map((e) => this.#experimentJson(e)),
      ...(next ? { next_page_token: next } : {}),
    };
  }

  deleteExperiment(body: Json): Json {
    const e = this.#experiment(str(body, "experiment_id"));
    if (e.experiment_id === "0") throw invalid("Cannot delete the default experiment '0'.");
    e.lifecycle_stage = "deleted";
    for (const r of this.runs.values()) {
      if (r.info.experiment_id === e.experiment_id) r.info.lifecycle_stage = "deleted";
    }
    return {};
  }

  restoreExperiment(body: Json): Json {
    this.#experiment(str(body, "experiment_id")).lifecycle_stage = "active";
    return {};
  }

  updateExperiment(body: Json): Json {
    this.#experiment(str(body, "experiment_id")).name = str(body, "new_name")!;
    return {};
  }

  setExperimentTag(body: Json): Json {
    const e = this.#experiment(str(body, "experiment_id"));
    if (e.lifecycle_stage !== "active") throw invalid("The experiment must be active");
    e.tags.set(checkKey("tag", body.key), String(body.value ?? ""));
    return {};
  }

  createRun(body: Json): Json {
    const e = this.#experiment(str(body, "experiment_id"));
    if (e.lifecycle_stage !== "active") {
      throw invalid(`The experiment ${e.experiment_id} must be in the 'active' state.`);
    }
    const id = crypto.randomUUID().replace(/-/g, "");
    const tags = new Map<string, string>();
    for (const t of (body.tags as Json[] | undefined) ?? []) {
      tags.set(checkKey("tag", t.key), String(t.value ?? ""));
    }
    const name = str(body, "run_name", false) ?? tags.get("mlflow.runName") ??
      `run-${id.slice(0, 8)}`;
    tags.set("mlflow.runName", name);
    const run: StoredRun = {
      info: {
        run_id: id,
        run_uuid: id,
        run_name: name,
        experiment_id: e.experiment_id,
        user_id: tags.get("mlflow.user") ?? "",
        status: "RUNNING",
        start_time: int(body, "start_time") ?? Date.now(),
        artifact_uri: `mlflow-artifacts:/${e.experiment_id}/${id}/artifacts`,
        lifecycle_stage: "active",
      },
      params: new Map(),
      tags,
      history: new Map(),
      latest: new Map(),
    };
    this.runs.set(id, run);
    return { run: this.#runJson(run) };
  }

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

  getRun(body: Json): Json {
    return { run: this.#runJson(this.#run(str(body, "run_id", false) ?? str(body, "run_uuid"))) };
  }

  deleteRun(body: Json): Json {
    this.#run(str(body, "run_id")).info.lifecycle_stage = "deleted";
    return {};
  }

  restoreRun(body: Json): Json {
    this.#run(str(body, "run_id")).info.lifecycle_stage = "active";
    return {};
  }

  searchRuns(body: Json): Json {
    const ids = body.experiment_ids;
    if (!Array.isArray(ids) || ids.length === 0) {
      throw invalid("Missing value for required parameter 'experiment_ids'.");
    }
    const view = str(body, "run_view_type", false) ?? "ACTIVE_ONLY";
    if (!VIEW_TYPES.has(view)) throw invalid(`Invalid run_view_type '${view}'`);
    const clauses = parseClauses(body);
    const wanted = new Set(ids.map(String));
    const read = (r: StoredRun): FieldReader => (kind, key) => {
      if (kind === "tag") return r.tags.get(key);
      if (kind === "param") return r.params.get(key);
      if (kind === "metric") return r.latest.get(key)?.value;
      if (key === "run_name" || key === "name") return r.info.run_name;
      if (key === "id") return r.info.run_id;
      return (r.info as unknown as Json)[key] as string | number | undefined;
    };
    const found = [...this.runs.values()].filter((r) =>
      wanted.has(r.info.experiment_id) && visible(r.info.lifecycle_stage, view) &&
      matches(clauses, read(r))
    );
    const order = parseOrderBy(body.order_by as string[] | undefined);
    found.sort(comparator(
      [...order, { kind: "attribute", key: "start_time", ascending: false }, {
        kind: "attribute",
        key: "run_id",
        ascending: true,
      }],
      read,
    ));
    const { items, next } = page(found, body, 1000);
    return { runs: items.map((r) => this.#runJson(r)), ...(next ? { next_page_token: next } : {}) };
  }

  logBatch(body: Json): Json {
    const run = this.#activeRun(body);
    const metrics = (body.metrics as Json[] | undefined) ?? [];
    const params = (body.params as Json[] | undefined) ?? [];
    const tags = (body.tags as Json[] | undefined) ?? [];
    if (metrics.length > LIMITS.batchMetrics) {
      throw invalid(`A batch logging request can contain at most 1000 metrics. Got ${metrics.length}`);
    }
    if (params.length > LIMITS.batchParams) {
      throw invalid(`A batch logging request can contain at most 100 params. Got ${params.length}`);
    }
    if (tags.length > LIMITS.batchTags) {
      throw invalid(`A batch logging request can contain at most 100 tags. Got ${tags.length}`);
    }
    const total = metrics.length + params.length + tags.length;
    if (total > LIMITS.batchEntities) {
      throw invalid(
        `A batch logging request can contain at most 1000 total entities. Got ${total}`,
      );
    }
    // Validate everything before writing anything, as MLflow does.
    const points = metrics.map((m) => {
      const key = checkKey("metric", m.key);
      return {
        key,
        value: metricValue(m.value, key),
        timestamp: int(m, "timestamp") ?? 0,
        step: int(m, "step") ?? 0,
      };
    });
    const newParams = new Map<string, string>();
    for (const p of params) {
      const key = checkKey("param", p.key);
      const value = String(p.value ?? "");
      if (value.length > LIMITS.paramValueLength) {
        throw invalid(`Param value for '${key}' exceeds the limit of 6000 characters`);
      }
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
      const value = String(t.value ?? "");
      if (value.length > LIMITS.tagValueLength) {
        throw invalid(`Tag value for '${key}' exceeds the limit of 8000 characters`);
      }
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

  logMetric(body: Json): Json {
    return this.logBatch({ run_id: body.run_id ?? body.run_uuid, metrics: [body] });
  }

  logParameter(body: Json): Json {
    return this.logBatch({ run_id: body.run_id ?? body.run_uuid, params: [body] });
  }

  setTag(body: Json): Json {
    return this.logBatch({ run_id: body.run_id ?? body.run_uuid, tags: [body] });
  }

  deleteTag(body: Json): Json {
    const run = this.#activeRun(body);
    const key = str(body, "key")!;
    if (!run.tags.delete(key)) throw missing(`No tag with name: ${key} in run with id ${run.info.run_id}`);
    return {};
  }

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

function visible(stage: string, view: string): boolean {
  return view === "ALL" || (view === "ACTIVE_ONLY") === (stage === "active");
}

function parseClauses(body: Json) {
  try {
    return parseFilter(str(body, "filter", false));
  } catch (err) {
    throw invalid(err instanceof Error ? err.message : String(err));
  }
}
