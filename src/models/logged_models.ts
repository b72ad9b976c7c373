/**
 * MLflow 3's logged models over REST (`/api/2.0/mlflow/logged-models`, from
 * `mlflow/protos/service.proto`): create one for a run, link it as the run's
 * output (`runs/outputs`), finalize it, get it, find a run's model by name.
 * A server that answers the create with "no such endpoint" (404
 * ENDPOINT_NOT_FOUND, 405, 501) has none: an older MLflow. That is remembered,
 * and the model stays in the run's artifacts only.
 *
 * @module
 */
import { z } from "zod";
import type { FileRepo, LoggedModelRecord, LoggedModels } from "../core/backend.ts";
import { TrackingError } from "../core/errors.ts";
import type { Transport } from "../http/transport.ts";

const API = "/api/2.0/mlflow";

const modelSchema = z.object({
  model: z.object({
    info: z.object({
      model_id: z.string(),
      experiment_id: z.string(),
      name: z.string().optional().default(""),
      source_run_id: z.string().optional(),
      artifact_uri: z.string().optional().default(""),
      status: z.string().optional(),
    }),
  }),
});

const searchSchema = z.object({
  models: z.array(modelSchema.shape.model).optional().default([]),
  next_page_token: z.string().optional(),
});

type WireModel = z.output<typeof modelSchema>["model"];

function toRecord(m: WireModel): LoggedModelRecord {
  const { info } = m;
  const out: LoggedModelRecord = {
    modelId: info.model_id,
    experimentId: info.experiment_id,
    name: info.name,
    artifactUri: info.artifact_uri,
  };
  if (info.source_run_id) out.sourceRunId = info.source_run_id;
  if (info.status) out.status = info.status;
  return out;
}

function parse<S extends z.ZodType>(route: string, text: string, schema: S): z.output<S> {
  try {
    return schema.parse(text.trim() === "" ? {} : JSON.parse(text));
  } catch (err) {
    throw new TrackingError(`${route}: the server's answer is not what MLflow sends`, {
      code: "BAD_RESPONSE",
      route,
      cause: err,
    });
  }
}

/** Whether an error says the server does not serve the route (not that a run is missing). */
function notServed(err: unknown): boolean {
  if (!(err instanceof TrackingError)) return false;
  return (err.status === 404 && err.code === "ENDPOINT_NOT_FOUND") || err.status === 405 ||
    err.status === 501;
}

/** A server's logged models, through `transport`; `filesAt` opens an artifact URI. */
export class RestLoggedModels implements LoggedModels {
  readonly #t: Transport;
  readonly #filesAt: (uri: string) => FileRepo;
  /** False once the server said it has no logged models. */
  #served = true;

  constructor(transport: Transport, filesAt: (uri: string) => FileRepo) {
    this.#t = transport;
    this.#filesAt = filesAt;
  }

  #url(path: string): string {
    return `${this.#t.trackingUri}${API}/${path}`;
  }

  async create(
    experimentId: string,
    runId: string,
    name: string,
    tags: Record<string, string>,
  ): Promise<LoggedModelRecord | undefined> {
    if (!this.#served) return undefined;
    const body = {
      experiment_id: experimentId,
      name,
      source_run_id: runId,
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    };
    let text: string;
    try {
      text = await this.#t.send(
        "logged-models",
        "POST",
        this.#url("logged-models"),
        JSON.stringify(body),
      );
    } catch (err) {
      if (notServed(err)) {
        this.#served = false;
        return undefined;
      }
      throw err;
    }
    return toRecord(parse("logged-models", text, modelSchema).model);
  }

  async linkToRun(runId: string, modelId: string, step: number): Promise<void> {
    const body = { run_id: runId, models: [{ model_id: modelId, step }] };
    await this.#t.send("runs/outputs", "POST", this.#url("runs/outputs"), JSON.stringify(body));
  }

  async finalize(modelId: string, ready: boolean): Promise<void> {
    const status = ready ? "LOGGED_MODEL_READY" : "LOGGED_MODEL_UPLOAD_FAILED";
    const path = `logged-models/${encodeURIComponent(modelId)}`;
    await this.#t.send(
      path,
      "PATCH",
      this.#url(path),
      JSON.stringify({ model_id: modelId, status }),
    );
  }

  async get(modelId: string): Promise<LoggedModelRecord> {
    const path = `logged-models/${encodeURIComponent(modelId)}`;
    const text = await this.#t.send("logged-models/get", "GET", this.#url(path));
    return toRecord(parse("logged-models/get", text, modelSchema).model);
  }

  async find(
    experimentId: string,
    runId: string,
    name: string,
  ): Promise<LoggedModelRecord | undefined> {
    let pageToken: string | undefined;
    do {
      const body: Record<string, unknown> = {
        experiment_ids: [experimentId],
        filter: `name = '${name.replaceAll("'", "\\'")}'`,
        max_results: 100,
      };
      if (pageToken) body.page_token = pageToken;
      let text: string;
      try {
        text = await this.#t.send(
          "logged-models/search",
          "POST",
          this.#url("logged-models/search"),
          JSON.stringify(body),
        );
      } catch (err) {
        if (notServed(err)) return undefined;
        throw err;
      }
      const page = parse("logged-models/search", text, searchSchema);
      const hit = page.models.find((m) => m.info.source_run_id === runId && m.info.name === name);
      if (hit) return toRecord(hit);
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return undefined;
  }

  files(model: LoggedModelRecord): FileRepo {
    return this.#filesAt(model.artifactUri);
  }
}
