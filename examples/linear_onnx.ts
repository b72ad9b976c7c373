/**
 * A tiny ONNX model written in code, with no dependency: a linear classifier
 * `softmax(x · W + b)` encoded as ONNX's protobuf by hand (the dozen fields
 * it needs), so that `onnx_eval.ts` has checkpoints to evaluate anywhere. In
 * your project you would load your own exported `.onnx` files instead.
 */

/** Protobuf's base-128 varint. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

type Field = [number, number | string | Uint8Array | number[]];

/** A message from its fields: a number is a varint, a string or bytes length-delimited. */
function message(fields: Field[]): Uint8Array {
  const out: number[] = [];
  for (const [field, value] of fields) {
    if (typeof value === "number") {
      out.push(...varint(field << 3), ...varint(value));
    } else {
      const bytes = typeof value === "string"
        ? new TextEncoder().encode(value)
        : value instanceof Uint8Array
        ? value
        : Uint8Array.from(value);
      out.push(...varint((field << 3) | 2), ...varint(bytes.length), ...bytes);
    }
  }
  return Uint8Array.from(out);
}

const FLOAT = 1; // TensorProto.DataType.FLOAT

/** TensorProto: dims (1), data_type (2), name (8), raw_data (9, little-endian float32). */
function tensor(name: string, dims: number[], values: number[]): Uint8Array {
  const raw = new Uint8Array(Float32Array.from(values).buffer);
  return message([...dims.map((d): Field => [1, d]), [2, FLOAT], [8, name], [9, raw]]);
}

/** ValueInfoProto of a float tensor whose first dimension is the batch ("N"). */
function valueInfo(name: string, width: number): Uint8Array {
  const shape = message([[1, message([[2, "N"]])], [1, message([[1, width]])]]);
  const tensorType = message([[1, FLOAT], [2, shape]]);
  return message([[1, name], [2, message([[1, tensorType]])]]);
}

/** NodeProto: inputs (1), outputs (2), op_type (4), attributes (5). */
function node(op: string, inputs: string[], output: string, attributes: Uint8Array[] = []) {
  return message([
    ...inputs.map((i): Field => [1, i]),
    [2, output],
    [4, op],
    ...attributes.map((a): Field => [5, a]),
  ]);
}

/**
 * `softmax(x · W + b)` as the bytes of an ONNX model (opset 13): input `x`
 * of shape [N, W.length], output `y` of shape [N, b.length].
 */
export function linearClassifier(W: number[][], b: number[]): Uint8Array {
  const axis = message([[1, "axis"], [3, 1], [20, 2]]); // AttributeProto: name, i, type INT
  const graph = message([
    [1, node("MatMul", ["x", "W"], "xw")],
    [1, node("Add", ["xw", "b"], "logits")],
    [1, node("Softmax", ["logits"], "y", [axis])],
    [2, "linear"],
    [5, tensor("W", [W.length, b.length], W.flat())],
    [5, tensor("b", [b.length], b)],
    [11, valueInfo("x", W.length)],
    [12, valueInfo("y", b.length)],
  ]);
  const opset = message([[1, ""], [2, 13]]);
  return message([[1, 8], [2, "oicm-tracking example"], [7, graph], [8, opset]]);
}
