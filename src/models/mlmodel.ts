/**
 * The `MLmodel` file MLflow's loaders read first: the flavors (how to load the
 * files beside it), the signature, the run and logged model it belongs to.
 * Written and read as YAML, with MLflow's key names (`mlflow/models/model.py`).
 *
 * @module
 */
import { dump, load } from "js-yaml";
import { ValidationError } from "../core/errors.ts";
import { type ModelSignature, signatureOf, signatureSection } from "./signature.ts";

/** The name of the file. */
export const MLMODEL_FILE = "MLmodel";

/**
 * An `MLmodel` file, read: its flavors and the fields loaders use.
 *
 * @example
 * ```ts
 * import type { MlModel } from "@oicm/tracking";
 * const isOnnx = (m: MlModel) => "onnx" in m.flavors;
 * ```
 */
export interface MlModel {
  /** Flavor name → its settings (`onnx: { data: "model.onnx", ... }`). */
  flavors: Record<string, Record<string, unknown>>;
  /** The inputs and outputs, when the model has a signature. */
  signature?: ModelSignature;
  /** The run that logged it. */
  runId?: string;
  /** MLflow 3's logged model id, when there is one. */
  modelId?: string;
  /** Where it was logged (a run's artifact path, or the logged model's location). */
  artifactPath?: string;
  /** When it was made, as MLflow writes it (`YYYY-MM-DD HH:MM:SS.ffffff`, UTC). */
  utcTimeCreated?: string;
  /** Every field as read, for the ones above and any other. */
  raw: Record<string, unknown>;
}

/** What goes into a new `MLmodel`. */
export interface MlModelInit {
  flavors: Record<string, Record<string, unknown>>;
  signature?: ModelSignature;
  runId?: string;
  modelId?: string;
  artifactPath?: string;
  sizeBytes?: number;
  metadata?: Record<string, unknown>;
  created?: Date;
}

/** A 32-hex-digit id, as MLflow's `uuid.uuid4().hex`. */
function uuidHex(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

/** MLflow's `utc_time_created`: `2026-12-04 18:20:30.806582`. */
function utcTime(date: Date): string {
  return date.toISOString().replace("T", " ").replace("Z", "000");
}

/** The text of an `MLmodel` file. */
export function mlmodelText(init: MlModelInit): string {
  const doc: Record<string, unknown> = {};
  if (init.artifactPath !== undefined) doc.artifact_path = init.artifactPath;
  doc.flavors = init.flavors;
  if (init.metadata !== undefined) doc.metadata = init.metadata;
  if (init.modelId !== undefined) doc.model_id = init.modelId;
  if (init.sizeBytes !== undefined) doc.model_size_bytes = init.sizeBytes;
  doc.model_uuid = init.modelId ?? uuidHex();
  if (init.runId !== undefined) doc.run_id = init.runId;
  if (init.signature !== undefined) doc.signature = signatureSection(init.signature);
  doc.utc_time_created = utcTime(init.created ?? new Date());
  return dump(doc, { lineWidth: -1, noRefs: true });
}

/** Reads an `MLmodel` file's text; `where` names it in errors. */
export function parseMlmodel(text: string, where: string): MlModel {
  let doc: unknown;
  try {
    doc = load(text);
  } catch (err) {
    throw new ValidationError(`${where} is not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new ValidationError(`${where} is not an MLmodel file (no YAML mapping)`);
  }
  const raw = doc as Record<string, unknown>;
  const flavors = raw.flavors;
  if (flavors === null || typeof flavors !== "object" || Array.isArray(flavors)) {
    throw new ValidationError(`${where} has no flavors: not an MLflow model`);
  }
  const str = (v: unknown) => typeof v === "string" ? v : undefined;
  const out: MlModel = { flavors: flavors as MlModel["flavors"], raw };
  const signature = signatureOf(raw.signature);
  if (signature !== undefined) out.signature = signature;
  if (str(raw.run_id)) out.runId = str(raw.run_id);
  if (str(raw.model_id)) out.modelId = str(raw.model_id);
  if (str(raw.artifact_path)) out.artifactPath = str(raw.artifact_path);
  if (str(raw.utc_time_created)) out.utcTimeCreated = str(raw.utc_time_created);
  return out;
}
