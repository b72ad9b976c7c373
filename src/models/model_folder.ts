/**
 * An MLflow model folder made from what a caller logs ({@linkcode ModelToLog}):
 * its own files, the `MLmodel` describing them, and the environment files.
 * Checked at the call, before any request.
 *
 * @module
 */
import { ValidationError } from "../core/errors.ts";
import { checkArtifactFile, checkArtifactPath, checkLocal } from "../artifacts/paths.ts";
import { environmentFiles } from "./environment.ts";
import { MLMODEL_FILE, mlmodelText } from "./mlmodel.ts";
import type { ModelSignature } from "./signature.ts";
import { signatureSection } from "./signature.ts";

/**
 * A model to log in MLflow's format: its files, its flavors (how MLflow loads
 * them) and, optionally, its signature and pip requirements. The ONNX and tfjs
 * integrations build one for you (`logOnnxModel`, `logTfModel`).
 *
 * @example
 * ```ts
 * import type { ModelToLog } from "@oicm/tracking";
 * const model: ModelToLog = {
 *   artifactPath: "model",
 *   files: { "model.onnx": new Uint8Array([8, 1]) },
 *   flavors: { onnx: { data: "model.onnx" } },
 *   pipRequirements: ["onnx", "onnxruntime"],
 * };
 * ```
 */
export interface ModelToLog {
  /** Its folder in the run's artifacts and its logged model's name. Default `model`. */
  artifactPath?: string;
  /** Its files: relative path → bytes, or a local file's path. */
  files: Record<string, Uint8Array | string>;
  /** Flavor name → settings, as written under `flavors:` in `MLmodel`. */
  flavors: Record<string, Record<string, unknown>>;
  /** What it takes and gives. */
  signature?: ModelSignature;
  /** pip requirements besides `mlflow`; when given, `requirements.txt`, `python_env.yaml` and `conda.yaml` are written. */
  pipRequirements?: string[];
  /** The Python version the environment files ask for. Default 3.11. */
  pythonVersion?: string;
  /** Free-form `metadata:` of `MLmodel`. */
  metadata?: Record<string, unknown>;
}

/**
 * What logging a model made: where it is and the URIs MLflow's loaders take.
 *
 * @example
 * ```ts ignore
 * const info: LoggedModelInfo = await run.logModel(model);
 * console.log(info.modelUri); // runs:/<run_id>/model
 * ```
 */
export interface LoggedModelInfo {
  /** The run that logged it. */
  runId: string;
  /** Its folder in the run's artifacts. */
  artifactPath: string;
  /** `runs:/<run_id>/<artifactPath>`. */
  modelUri: string;
  /** MLflow 3's logged model id, on servers that keep logged models. */
  modelId?: string;
  /** Its flavors' names. */
  flavors: string[];
}

/** A model to log (checked): a run's transfer, which resolves to its {@linkcode LoggedModelInfo}. */
export interface ModelWork {
  model: ModelToLog & { artifactPath: string };
}

/** One file of a model folder: its path in the folder, and bytes or a local file. */
export interface FolderFile {
  path: string;
  source: Uint8Array | string;
}

/** A model to log, checked: a `ValidationError` names what is wrong. */
export function checkModel(model: ModelToLog): ModelToLog & { artifactPath: string } {
  if (model === null || typeof model !== "object") {
    throw new ValidationError("logModel needs a model: { files, flavors, ... }");
  }
  const artifactPath = checkArtifactPath("artifactPath", model.artifactPath ?? "model");
  if (artifactPath === undefined) {
    throw new ValidationError("logModel: artifactPath must name a folder, such as 'model'");
  }
  const names = Object.keys(model.flavors ?? {});
  if (names.length === 0) {
    throw new ValidationError("logModel: a model needs at least one flavor (how MLflow loads it)");
  }
  const files = Object.entries(model.files ?? {});
  if (files.length === 0) throw new ValidationError("logModel: the model has no files");
  // Each file under its checked name (`a\\b` is `a/b`, `./MLmodel` is `MLmodel`), as logArtifact names it.
  const checked: Record<string, Uint8Array | string> = {};
  for (const [given, source] of files) {
    const path = checkArtifactFile(`logModel: file '${given}'`, given);
    if (path === MLMODEL_FILE) {
      throw new ValidationError("logModel: MLmodel is written for you; leave it out of files");
    }
    if (path in checked) {
      throw new ValidationError(
        `logModel: two files are named '${path}' (one given as '${given}')`,
      );
    }
    if (typeof source === "string") checkLocal(source, false);
    else if (!(source instanceof Uint8Array)) {
      throw new ValidationError(`logModel: file '${given}' must be bytes or a local file path`);
    }
    checked[path] = source;
  }
  if (model.signature !== undefined) signatureSection(model.signature); // checks dtypes, shapes
  return { ...model, files: checked, artifactPath };
}

/** The folder's files: the model's, the environment files, and `MLmodel` (last, as MLflow). */
export function modelFolder(
  model: ModelToLog & { artifactPath: string },
  where: { runId: string; modelId?: string },
): FolderFile[] {
  const out: FolderFile[] = Object.entries(model.files).map(([path, source]) => ({ path, source }));
  const size = out.reduce(
    (n, f) => n + (typeof f.source === "string" ? checkLocal(f.source, false) : f.source.length),
    0,
  );
  if (model.pipRequirements !== undefined) {
    const env = environmentFiles(model.pipRequirements, model.pythonVersion);
    for (const [path, text] of Object.entries(env)) {
      out.push({ path, source: new TextEncoder().encode(text) });
    }
  }
  const text = mlmodelText({
    artifactPath: model.artifactPath,
    flavors: model.flavors,
    signature: model.signature,
    runId: where.runId,
    modelId: where.modelId,
    sizeBytes: size,
    metadata: model.metadata,
  });
  out.push({ path: MLMODEL_FILE, source: new TextEncoder().encode(text) });
  return out;
}
