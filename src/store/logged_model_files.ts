/**
 * MLflow 3's logged models in the FileStore folder, as MLflow's file store
 * writes them (`mlflow/store/tracking/file_store.py`):
 * `<exp>/models/<model_id>/meta.yaml` (status 1 pending, 2 ready, 3 failed),
 * `tags/<key>`, the files under `artifacts/`, and the run's link
 * `<exp>/<run>/outputs/<model_id>/meta.yaml`. So MLflow reads an offline
 * store's models (`models:/<id>`) and a sync finds them.
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { FileRepo, LoggedModelRecord, LoggedModels } from "../core/backend.ts";
import { NotFoundError } from "../core/errors.ts";
import { keyPath, writeAtomic } from "../core/file_io.ts";
import { makeFolders } from "../core/file_modes.ts";
import { localArtifactDir, LocalArtifacts } from "../artifacts/local_artifacts.ts";
import { readMeta, writeMeta } from "./meta_yaml.ts";
import { checkModelId } from "./store_ids.ts";

const STATUS_NAMES: Record<number, string> = {
  1: "LOGGED_MODEL_PENDING",
  2: "LOGGED_MODEL_READY",
  3: "LOGGED_MODEL_UPLOAD_FAILED",
};

/**
 * A logged model's record from its `meta.yaml`, with its ids and its files'
 * place taken from where the store keeps it, not from what the file says: a
 * store moved from another machine (or unpacked from elsewhere) has its own
 * folder, and an `artifact_location` naming another folder is not followed.
 */
function recordOf(
  meta: Record<string, unknown>,
  experimentId: string,
  modelId: string,
  dir: string,
): LoggedModelRecord {
  const out: LoggedModelRecord = {
    modelId,
    experimentId,
    name: String(meta.name ?? ""),
    artifactUri: pathToFileURL(join(dir, "artifacts")).href,
  };
  if (typeof meta.source_run_id === "string") out.sourceRunId = meta.source_run_id;
  const status = STATUS_NAMES[Number(meta.status)];
  if (status) out.status = status;
  return out;
}

/** Whether `id` is a logged model id this store makes. */
function isModelId(id: string): boolean {
  try {
    checkModelId(id);
    return true;
  } catch {
    return false;
  }
}

/** The logged models of a FileStore folder. */
export class FileLoggedModels implements LoggedModels {
  readonly #root: string;
  /** The folder of a run, by id. */
  readonly #runDir: (runId: string) => Promise<string>;

  constructor(root: string, runDir: (runId: string) => Promise<string>) {
    this.#root = root;
    this.#runDir = runDir;
  }

  #dir(experimentId: string, modelId: string): string {
    return join(this.#root, experimentId, "models", checkModelId(modelId));
  }

  async create(
    experimentId: string,
    runId: string,
    name: string,
    tags: Record<string, string>,
  ): Promise<LoggedModelRecord> {
    const modelId = `m-${crypto.randomUUID().replaceAll("-", "")}`;
    const dir = this.#dir(experimentId, modelId);
    makeFolders(join(dir, "artifacts"));
    const now = Date.now();
    const meta = {
      artifact_location: pathToFileURL(join(dir, "artifacts")).href,
      creation_timestamp: now,
      experiment_id: experimentId,
      last_updated_timestamp: now,
      model_id: modelId,
      model_type: null,
      name,
      source_run_id: runId,
      status: 1,
      status_message: null,
    };
    for (const [key, value] of Object.entries(tags)) {
      makeFolders(join(dir, "tags"));
      await writeAtomic(keyPath(join(dir, "tags"), key), value);
    }
    await writeAtomic(join(dir, "meta.yaml"), writeMeta(meta));
    return recordOf(meta, experimentId, modelId, dir);
  }

  async linkToRun(runId: string, modelId: string, step: number): Promise<void> {
    const dir = join(await this.#runDir(runId), "outputs", checkModelId(modelId));
    makeFolders(dir);
    // As MLflow's file store writes it (its source_id is the model's id too).
    await writeAtomic(
      join(dir, "meta.yaml"),
      writeMeta({
        destination_id: modelId,
        destination_type: "MODEL_OUTPUT",
        source_id: modelId,
        source_type: "RUN_OUTPUT",
        step,
        tags: {},
      }),
    );
  }

  async finalize(modelId: string, ready: boolean): Promise<void> {
    const model = await this.get(modelId);
    const path = join(this.#dir(model.experimentId, modelId), "meta.yaml");
    const meta = readMeta(await readFile(path, "utf8"));
    meta.status = ready ? 2 : 3;
    meta.last_updated_timestamp = Date.now();
    await writeAtomic(path, writeMeta(meta));
  }

  async get(modelId: string): Promise<LoggedModelRecord> {
    for (const entry of await readdir(this.#root, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = this.#dir(entry.name, modelId);
      const path = join(dir, "meta.yaml");
      if (existsSync(path)) {
        return recordOf(readMeta(await readFile(path, "utf8")), entry.name, modelId, dir);
      }
    }
    throw new NotFoundError(`logged model ${modelId} is not in ${this.#root}`, {
      code: "RESOURCE_DOES_NOT_EXIST",
    });
  }

  find(
    experimentId: string,
    runId: string,
    name: string,
  ): Promise<LoggedModelRecord | undefined> {
    return Promise.resolve(
      this.ofExperiment(experimentId).find((m) => m.sourceRunId === runId && m.name === name),
    );
  }

  /** Every logged model of an experiment. */
  ofExperiment(experimentId: string): LoggedModelRecord[] {
    const dir = join(this.#root, experimentId, "models");
    if (!existsSync(dir)) return [];
    return readdirSync(dir).filter(isModelId).flatMap((id) => {
      const path = join(dir, id, "meta.yaml");
      return existsSync(path)
        ? [recordOf(readMeta(readFileSync(path, "utf8")), experimentId, id, join(dir, id))]
        : [];
    });
  }

  /** A logged model's tags. */
  tagsOf(model: LoggedModelRecord): Record<string, string> {
    const dir = join(this.#dir(model.experimentId, model.modelId), "tags");
    if (!existsSync(dir)) return {};
    return Object.fromEntries(
      readdirSync(dir).map((key) => [key, readFileSync(join(dir, key), "utf8")]),
    );
  }

  files(model: LoggedModelRecord): FileRepo {
    return new LocalArtifacts(localArtifactDir(model.artifactUri));
  }
}
