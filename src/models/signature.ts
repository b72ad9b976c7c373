/**
 * A model's signature as MLflow keeps it in `MLmodel`: its inputs and outputs
 * as tensor specs (name, numpy dtype, shape with `-1` for a free dimension),
 * each list stored as a JSON string (`mlflow/types/schema.py`'s tensor spec).
 *
 * @module
 */
import { ValidationError } from "../core/errors.ts";

/**
 * One input or output of a model: a named tensor of a numpy dtype, `-1` for a
 * dimension of any size (the batch).
 *
 * @example
 * ```ts
 * import type { TensorSpec } from "@oicm/tracking";
 * const x: TensorSpec = { name: "x", dtype: "float32", shape: [-1, 3] };
 * ```
 */
export interface TensorSpec {
  /** The tensor's name (the ONNX input or output name). */
  name?: string;
  /** A numpy dtype name: `float32`, `float64`, `int64`, `int32`, `uint8`, `bool`, ... */
  dtype: string;
  /** Dimensions; `-1` for a free one. */
  shape: readonly number[];
}

/**
 * What a model takes and gives, as MLflow's `signature` section describes it.
 *
 * @example
 * ```ts
 * import type { ModelSignature } from "@oicm/tracking";
 * const sig: ModelSignature = {
 *   inputs: [{ name: "x", dtype: "float32", shape: [-1, 3] }],
 *   outputs: [{ name: "y", dtype: "float32", shape: [-1, 2] }],
 * };
 * ```
 */
export interface ModelSignature {
  /** The inputs, in order. */
  inputs: TensorSpec[];
  /** The outputs, in order. */
  outputs: TensorSpec[];
}

/** The dtypes MLflow's tensor specs accept (numpy's names). */
const DTYPES = new Set([
  "bool",
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "float16",
  "float32",
  "float64",
  "str",
  "object",
]);

function checkSpec(spec: TensorSpec, where: string): void {
  if (!DTYPES.has(spec.dtype)) {
    throw new ValidationError(
      `signature ${where}: dtype '${spec.dtype}' is not one MLflow reads (${
        [...DTYPES].join(", ")
      })`,
    );
  }
  if (!spec.shape.every((d) => Number.isInteger(d) && d >= -1)) {
    throw new ValidationError(
      `signature ${where}: shape [${spec.shape.join(", ")}] must hold sizes, or -1 for a free one`,
    );
  }
}

/** MLmodel's `signature` section: each list as a JSON string, as MLflow writes it. */
export function signatureSection(signature: ModelSignature): Record<string, unknown> {
  const json = (specs: TensorSpec[], what: string) =>
    JSON.stringify(specs.map((s, i) => {
      checkSpec(s, `${what}[${i}]`);
      const out: Record<string, unknown> = {
        type: "tensor",
        "tensor-spec": { dtype: s.dtype, shape: [...s.shape] },
      };
      if (s.name !== undefined) out.name = s.name;
      return out;
    }));
  return {
    inputs: json(signature.inputs, "inputs"),
    outputs: json(signature.outputs, "outputs"),
    params: null,
  };
}

/** The signature an MLmodel's section holds (tensor specs only; column specs are left out). */
export function signatureOf(section: unknown): ModelSignature | undefined {
  if (section === null || typeof section !== "object") return undefined;
  const read = (value: unknown): TensorSpec[] => {
    if (typeof value !== "string") return [];
    const list = JSON.parse(value) as Record<string, unknown>[];
    return list.filter((s) => s.type === "tensor").map((s) => {
      const spec = s["tensor-spec"] as { dtype: string; shape: number[] };
      const out: TensorSpec = { dtype: spec.dtype, shape: spec.shape };
      if (typeof s.name === "string") out.name = s.name;
      return out;
    });
  };
  const { inputs, outputs } = section as Record<string, unknown>;
  return { inputs: read(inputs), outputs: read(outputs) };
}
