/**
 * A tfjs model kept in a run's artifacts as an MLflow model: `model.save` with
 * an IO handler that writes `model.json` and `weights.bin` (the layout
 * `tf.loadLayersModel` reads, from a folder or straight from the artifact
 * service's URL) beside an `MLmodel` with a `tfjs` flavor (format, tfjs
 * version, input and output shapes) and the signature, so MLflow lists it as
 * a model and `client.loadModel` finds it.
 *
 * @module
 */
import {
  type LoggedModelInfo,
  type ModelSignature,
  type Run,
  type TensorSpec,
  ValidationError,
} from "../../mod.ts";

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
  /** A layers model's inputs (symbolic tensors: name, dtype, shape with `null` for free). */
  readonly inputs?: readonly TfSymbolic[];
  /** A layers model's outputs. */
  readonly outputs?: readonly TfSymbolic[];
}

/**
 * A tfjs `SymbolicTensor`, as far as a signature goes.
 *
 * @example
 * ```ts
 * import type { TfSymbolic } from "@oicm/tracking/tfjs";
 * const x: TfSymbolic = { name: "input1", dtype: "float32", shape: [null, 3] };
 * ```
 */
export interface TfSymbolic {
  /** Its name. */
  readonly name?: string;
  /** `float32`, `int32` or `bool`. */
  readonly dtype?: string;
  /** Its shape; `null` for a free dimension. */
  readonly shape?: readonly (number | null)[];
}

const specs = (list: readonly TfSymbolic[] | undefined): TensorSpec[] | undefined =>
  list?.map((t) => ({
    ...(t.name === undefined ? {} : { name: t.name }),
    dtype: t.dtype === "string" ? "str" : t.dtype ?? "float32",
    shape: (t.shape ?? []).map((d) => d === null || d < 0 ? -1 : d),
  }));

/** The model's signature (a layers model's inputs and outputs), when it has them. */
function signatureOf(model: TfSavable): ModelSignature | undefined {
  const inputs = specs(model.inputs);
  const outputs = specs(model.outputs);
  return inputs && outputs ? { inputs, outputs } : undefined;
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
 * `model`) as an MLflow model: `model.json` and `weights.bin`, which
 * `tf.loadLayersModel` loads back, and an `MLmodel` with the `tfjs` flavor.
 * Resolves once stored, to where it is.
 *
 * @example
 * ```ts ignore
 * import { logTfModel } from "@oicm/tracking/tfjs";
 * await logTfModel(run, model); // model/model.json, model/weights.bin, model/MLmodel
 * const back = await tf.loadLayersModel(`${artifactServiceUrl}/model/model.json`);
 * ```
 */
export async function logTfModel(
  run: Run,
  model: TfSavable,
  artifactPath = "model",
): Promise<LoggedModelInfo> {
  const uploads: Promise<LoggedModelInfo>[] = [];
  await saveModel(run, model, artifactPath, uploads);
  return await uploads[0];
}

/**
 * Hands a model's files to the run (not awaiting the upload, which the run's
 * end waits for); `uploads` collects it when the caller means to wait.
 */
export async function saveModel(
  run: Run,
  model: TfSavable,
  artifactPath = "model",
  uploads?: Promise<LoggedModelInfo>[],
): Promise<void> {
  if (typeof model?.save !== "function") {
    throw new ValidationError("logModel needs a tfjs model with save() (a LayersModel)");
  }
  const folder = artifactPath.replace(/\/+$/, "");
  const handler = {
    save: (artifacts: TfModelArtifacts) => {
      const json = new TextEncoder().encode(JSON.stringify(modelJson(artifacts)));
      const weights = joined(artifacts.weightData);
      const signature = signatureOf(model);
      const flavor: Record<string, unknown> = {
        data: "model.json",
        format: artifacts.format ?? "layers-model",
        tfjs_version: artifacts.generatedBy ?? null,
        weights: ["weights.bin"],
      };
      if (signature) {
        flavor.input_shapes = signature.inputs.map((s) => s.shape);
        flavor.output_shapes = signature.outputs.map((s) => s.shape);
      }
      const sent = run.logModel({
        artifactPath: folder,
        files: { "model.json": json, "weights.bin": weights },
        flavors: { tfjs: flavor },
        signature,
      });
      // Not awaited here: the run's end waits for it and reports a failure nobody awaited.
      if (uploads !== undefined) uploads.push(sent);
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
