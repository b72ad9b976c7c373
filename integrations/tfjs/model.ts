/**
 * A tfjs model kept in a run's artifacts: `model.save` with an IO handler that
 * writes `model.json` and `weights.bin` (the layout `tf.loadLayersModel` reads,
 * from a folder or straight from the artifact service's URL).
 *
 * @module
 */
import { type Run, ValidationError } from "../../mod.ts";

/**
 * What tfjs hands an IO handler's `save` (the `ModelArtifacts` fields used here).
 *
 * @example
 * ```ts
 * import type { TfModelArtifacts } from "@oicm/tracking/tfjs";
 * const empty: TfModelArtifacts = { modelTopology: {}, weightSpecs: [], weightData: new ArrayBuffer(0) };
 * ```
 */
export interface TfModelArtifacts {
  /** The model's topology (a layers model's config). */
  modelTopology?: unknown;
  /** `layers-model` or `graph-model`. */
  format?: string;
  /** The library version that made it. */
  generatedBy?: string;
  /** The converter, if any. */
  convertedBy?: string | null;
  /** Compile settings (loss, metrics, optimizer). */
  trainingConfig?: unknown;
  /** Names, shapes and types of the weights, in `weightData` order. */
  weightSpecs?: unknown[];
  /** The weights' bytes: one buffer, or several to join. */
  weightData?: ArrayBuffer | ArrayBuffer[];
  /** Signature, metadata and initializer fields, kept as given. */
  signature?: unknown;
  /** Metadata the user attached. */
  userDefinedMetadata?: unknown;
  /** A graph model's initializer. */
  modelInitializer?: unknown;
  /** The initializer's signature. */
  initializerSignature?: unknown;
}

/**
 * A model tfjs can save (`LayersModel.save`), by structural type.
 *
 * @example
 * ```ts
 * import type { TfSavable } from "@oicm/tracking/tfjs";
 * const savable = (m: TfSavable) => typeof m.save === "function";
 * ```
 */
export interface TfSavable {
  /** Saves through an IO handler (the `tf.io.IOHandler` shape). */
  save(handler: never, config?: never): Promise<unknown>;
}

/** The weights as one buffer (tfjs may give several). */
function joined(data: ArrayBuffer | ArrayBuffer[] | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  if (!Array.isArray(data)) return new Uint8Array(data);
  const out = new Uint8Array(data.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return out;
}

/** `model.json` as tfjs writes it: the artifacts' fields and one weights file. */
function modelJson(artifacts: TfModelArtifacts): Record<string, unknown> {
  const out: Record<string, unknown> = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs ?? [] }],
  };
  for (
    const key of [
      "trainingConfig",
      "signature",
      "userDefinedMetadata",
      "modelInitializer",
      "initializerSignature",
    ] as const
  ) {
    if (artifacts[key] !== undefined && artifacts[key] !== null) out[key] = artifacts[key];
  }
  return out;
}

/**
 * Saves a tfjs model in a run's artifacts under `artifactPath` (default
 * `model`): `model.json` and `weights.bin`, which `tf.loadLayersModel` loads
 * back. Resolves once both are stored.
 *
 * @example
 * ```ts ignore
 * import { logTfModel } from "@oicm/tracking/tfjs";
 * await logTfModel(run, model); // model/model.json, model/weights.bin
 * const back = await tf.loadLayersModel(`${artifactServiceUrl}/model/model.json`);
 * ```
 */
export async function logTfModel(
  run: Run,
  model: TfSavable,
  artifactPath = "model",
): Promise<void> {
  const uploads: Promise<void>[] = [];
  await saveModel(run, model, artifactPath, uploads);
  await Promise.all(uploads);
}

/**
 * Hands a model's files to the run (not awaiting the uploads, which the run's
 * end waits for); `uploads` collects them when the caller means to wait.
 */
export async function saveModel(
  run: Run,
  model: TfSavable,
  artifactPath = "model",
  uploads?: Promise<void>[],
): Promise<void> {
  if (typeof model?.save !== "function") {
    throw new ValidationError("logModel needs a tfjs model with save() (a LayersModel)");
  }
  const folder = artifactPath.replace(/\/+$/, "");
  const handler = {
    save: (artifacts: TfModelArtifacts) => {
      const json = new TextEncoder().encode(JSON.stringify(modelJson(artifacts)));
      const weights = joined(artifacts.weightData);
      const sent = [
        run.logBytes(json, `${folder}/model.json`),
        run.logBytes(weights, `${folder}/weights.bin`),
      ];
      if (uploads !== undefined) uploads.push(...sent);
      return Promise.resolve({
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: "JSON",
          modelTopologyBytes: json.length,
          weightDataBytes: weights.length,
        },
      });
    },
  };
  await model.save(handler as never);
}
