/**
 * The fake server's MLflow 3 logged models (`/api/2.0/mlflow/logged-models`,
 * as `mlflow/protos/service.proto` serves them): create (PENDING, with its own
 * artifact location `mlflow-artifacts:/<exp>/models/<id>/artifacts`), get,
 * finalize (PATCH), search by name, and `runs/outputs` linking a model to its
 * run. Kept per store; {@linkcode loggedModelsOf} shows them to tests.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import type { FakeStore } from "./store.ts";
import { MlflowFault } from "./wire.ts";

type Env = { Variables: { store: FakeStore; workspace?: string } };

/**
 * A logged model as the fake server keeps it (MLflow's wire names).
 *
 * @example
 * ```ts
 * import type { FakeLoggedModel } from "@oicm/tracking/testing";
 * const ready = (m: FakeLoggedModel) => m.status === "LOGGED_MODEL_READY";
 * ```
 */
export interface FakeLoggedModel {
  /** `m-<32 hex>`. */
  model_id: string;
  /** Its experiment. */
  experiment_id: string;
  /** Its name (the `artifact_path` it was logged under). */
  name: string;
  /** The run that logged it. */
  source_run_id?: string;
  /** Where its files are. */
  artifact_uri: string;
  /** `LOGGED_MODEL_PENDING`, `LOGGED_MODEL_READY` or `LOGGED_MODEL_UPLOAD_FAILED`. */
  status: string;
  /** Creation time (ms). */
  creation_timestamp_ms: number;
  /** Last update (ms). */
  last_updated_timestamp_ms: number;
  /** Tags, by key. */
  tags: Record<string, string>;
  /** The runs it is an output of, with the step. */
  outputOf: { run_id: string; step: number }[];
}

const models = new WeakMap<FakeStore, Map<string, FakeLoggedModel>>();

/**
 * The logged models a fake server's store holds, by id.
 *
 * @example
 * ```ts
 * import { FakeMlflowServer, loggedModelsOf } from "@oicm/tracking/testing";
 * const server = new FakeMlflowServer();
 * console.log(loggedModelsOf(server.store()).size); // 0
 * ```
 */
export function loggedModelsOf(store: FakeStore): Map<string, FakeLoggedModel> {
  let map = models.get(store);
  if (map === undefined) {
    map = new Map();
    models.set(store, map);
  }
  return map;
}

const STATUSES = new Set([
  "LOGGED_MODEL_PENDING",
  "LOGGED_MODEL_READY",
  "LOGGED_MODEL_UPLOAD_FAILED",
]);

function wire(m: FakeLoggedModel): Record<string, unknown> {
  const { outputOf: _, tags, ...info } = m;
  return {
    info: { ...info, tags: Object.entries(tags).map(([key, value]) => ({ key, value })) },
    data: {},
  };
}

function find(c: Context<Env>, id: string): FakeLoggedModel {
  const model = loggedModelsOf(c.get("store")).get(id);
  if (model === undefined) {
    throw new MlflowFault(
      404,
      "RESOURCE_DOES_NOT_EXIST",
      `Logged model with ID '${id}' not found.`,
    );
  }
  return model;
}

async function body(c: Context<Env>): Promise<Record<string, unknown>> {
  const value = await c.req.json().catch(() => {
    throw new MlflowFault(400, "BAD_REQUEST", "Request body is not valid JSON");
  });
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new MlflowFault(400, "INVALID_PARAMETER_VALUE", "Request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/** The routes, to mount below `/api/2.0/mlflow`. */
export function loggedModelApi(): Hono<Env> {
  const api = new Hono<Env>();
  api.post("/logged-models", async (c) => {
    const b = await body(c);
    const store = c.get("store");
    const experimentId = String(b.experiment_id ?? "");
    if (!store.experiments.has(experimentId)) {
      throw new MlflowFault(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        `Could not find experiment with ID ${experimentId}`,
      );
    }
    const runId = typeof b.source_run_id === "string" ? b.source_run_id : undefined;
    if (runId !== undefined && !store.runs.has(runId)) {
      throw new MlflowFault(404, "RESOURCE_DOES_NOT_EXIST", `Run '${runId}' not found`);
    }
    const id = `m-${crypto.randomUUID().replaceAll("-", "")}`;
    const now = Date.now();
    const tags = Object.fromEntries(
      ((b.tags ?? []) as { key: string; value: string }[]).map((t) => [t.key, t.value]),
    );
    const model: FakeLoggedModel = {
      model_id: id,
      experiment_id: experimentId,
      name: typeof b.name === "string" && b.name !== "" ? b.name : id,
      source_run_id: runId,
      artifact_uri: `mlflow-artifacts:/${experimentId}/models/${id}/artifacts`,
      status: "LOGGED_MODEL_PENDING",
      creation_timestamp_ms: now,
      last_updated_timestamp_ms: now,
      tags,
      outputOf: [],
    };
    loggedModelsOf(store).set(id, model);
    return c.json({ model: wire(model) });
  });
  api.post("/logged-models/search", async (c) => {
    const b = await body(c);
    const ids = new Set((b.experiment_ids ?? []) as string[]);
    const name = /^name\s*=\s*'((?:[^'\\]|\\.)*)'$/.exec(String(b.filter ?? "").trim())?.[1]
      ?.replace(/\\(.)/g, "$1");
    const found = [...loggedModelsOf(c.get("store")).values()].filter((m) =>
      ids.has(m.experiment_id) && (name === undefined || m.name === name)
    );
    return c.json({ models: found.map(wire) });
  });
  api.get("/logged-models/:id", (c) => c.json({ model: wire(find(c, c.req.param("id"))) }));
  api.patch("/logged-models/:id", async (c) => {
    const model = find(c, c.req.param("id"));
    const status = String((await body(c)).status ?? "");
    if (!STATUSES.has(status)) {
      throw new MlflowFault(400, "INVALID_PARAMETER_VALUE", `Invalid status '${status}'`);
    }
    model.status = status;
    model.last_updated_timestamp_ms = Date.now();
    return c.json({ model: wire(model) });
  });
  api.post("/runs/outputs", async (c) => {
    const b = await body(c);
    const runId = String(b.run_id ?? "");
    if (!c.get("store").runs.has(runId)) {
      throw new MlflowFault(404, "RESOURCE_DOES_NOT_EXIST", `Run '${runId}' not found`);
    }
    for (const out of (b.models ?? []) as { model_id: string; step?: number }[]) {
      find(c, out.model_id).outputOf.push({ run_id: runId, step: Number(out.step ?? 0) });
    }
    return c.json({});
  });
  return api;
}
