/**
 * An ONNX model logged in MLflow's format: `MLmodel` with the `onnx` and
 * `python_function` flavors (`loader_module: mlflow.onnx`), the `.onnx` file,
 * the signature read from the session's inputs and outputs (`-1` for free
 * dimensions), and the environment files naming `onnx` and `onnxruntime`; so
 * `mlflow.pyfunc.load_model("runs:/<id>/model")` runs it, and
 * `mlflow models serve` serves it.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import {
  type LoggedModelInfo,
  type ModelSignature,
  type ModelToLog,
  type Run,
  type TensorSpec,
  ValidationError,
} from "../../mod.ts";
import type { OrtInputMetadata, OrtModuleLike, OrtSessionLike } from "./types.ts";

/**
 * Options of {@linkcode logOnnxModel}.
 *
 * @example
 * ```ts ignore
 * const opts: OnnxModelOptions = { model: "model.onnx", ort, artifactPath: "model" };
 * ```
 */
export interface OnnxModelOptions {
  /** The model: a `.onnx` file's path, or its bytes. */
  model: string | Uint8Array;
  /** A session on it, to read the signature from; or give `ort` to make one. */
  session?: OrtSessionLike;
  /** The ORT module, to make a session when none is given. */
  ort?: OrtModuleLike;
  /** The folder in the run's artifacts (and the logged model's name). Default `model`. */
  artifactPath?: string;
  /** Extra pip requirements besides `mlflow`, `onnx`, `onnxruntime`. */
  pipRequirements?: string[];
  /** The Python the model is served with (`python_version`, the environment files). Default 3.11. */
  pythonVersion?: string;
}

/** ORT's element types, as numpy names MLflow's tensor specs use. */
const DTYPES: Record<string, string> = {
  float32: "float32",
  float64: "float64",
  float16: "float16",
  int8: "int8",
  int16: "int16",
  int32: "int32",
  int64: "int64",
  uint8: "uint8",
  uint16: "uint16",
  uint32: "uint32",
  uint64: "uint64",
  bool: "bool",
  string: "str",
};

function specOf(meta: OrtInputMetadata, where: string): TensorSpec {
  const dtype = DTYPES[meta.type ?? ""];
  if (meta.isTensor === false || dtype === undefined) {
    throw new ValidationError(
      `logOnnxModel: ${where} '${meta.name}' is not a tensor MLflow's signature can describe ` +
        `(type ${meta.type ?? "unknown"})`,
    );
  }
  const shape = (meta.shape ?? []).map((d) => typeof d === "number" && d >= 0 ? d : -1);
  return { name: meta.name, dtype, shape };
}

/**
 * The signature of a session, as MLflow's tensor specs: its inputs' and outputs' names, types and
 * shapes (`-1` for a free dimension); undefined for an ORT before 1.20 (no metadata).
 *
 * @example
 * ```ts ignore
 * import { onnxSignature } from "@oicm/tracking/onnx";
 * onnxSignature(session); // { inputs: [{ name: "x", dtype: "float32", shape: [-1, 3] }], outputs: [...] }
 * ```
 */
export function onnxSignature(session: OrtSessionLike): ModelSignature | undefined {
  const inputs = session.inputMetadata;
  const outputs = session.outputMetadata;
  if (inputs === undefined || outputs === undefined) return undefined; // ORT before 1.20
  return {
    inputs: inputs.map((m) => specOf(m, "input")),
    outputs: outputs.map((m) => specOf(m, "output")),
  };
}

/** The MLflow model an ONNX model and its session make (its file read now, when a path). */
export function onnxModel(
  model: string | Uint8Array,
  session: OrtSessionLike,
  options: Pick<OnnxModelOptions, "artifactPath" | "pipRequirements" | "pythonVersion"> = {},
): ModelToLog {
  const bytes = typeof model === "string" ? new Uint8Array(readFileSync(model)) : model;
  const python = options.pythonVersion ?? "3.11";
  return {
    artifactPath: options.artifactPath ?? "model",
    files: { "model.onnx": bytes },
    flavors: {
      onnx: {
        code: null,
        data: "model.onnx",
        onnx_session_options: null,
        providers: ["CPUExecutionProvider"],
      },
      python_function: {
        data: "model.onnx",
        env: { conda: "conda.yaml", virtualenv: "python_env.yaml" },
        loader_module: "mlflow.onnx",
        python_version: python,
      },
    },
    signature: onnxSignature(session),
    pipRequirements: ["onnx", "onnxruntime", ...(options.pipRequirements ?? [])],
    pythonVersion: python,
  };
}

/**
 * Logs an ONNX model in MLflow's format in `run`, with the signature of its
 * session; resolves once stored, to where it is (`modelUri`, and `modelId` on
 * servers with MLflow 3's logged models).
 *
 * @example
 * ```ts ignore
 * import * as ort from "onnxruntime-node";
 * import { logOnnxModel } from "@oicm/tracking/onnx";
 * const info = await logOnnxModel(run, { model: "model.onnx", ort });
 * // Python: mlflow.pyfunc.load_model(info.modelUri).predict({"x": x})
 * ```
 */
export async function logOnnxModel(run: Run, options: OnnxModelOptions): Promise<LoggedModelInfo> {
  const { model } = options;
  if (typeof model !== "string" && !(model instanceof Uint8Array)) {
    throw new ValidationError("logOnnxModel needs the model: a .onnx path or its bytes");
  }
  let session = options.session;
  let made = false;
  if (session === undefined) {
    if (options.ort === undefined) {
      throw new ValidationError("logOnnxModel needs a session on the model, or the ort module");
    }
    session = await options.ort.InferenceSession.create(model as never);
    made = true;
  }
  try {
    return await run.logModel(onnxModel(model, session, options));
  } finally {
    if (made) await session.release?.();
  }
}
