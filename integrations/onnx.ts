/**
 * ONNX Runtime: evaluate a model over a dataset each epoch and record the
 * metrics (accuracy, top-k, log loss, MSE, RMSE, MAE, your own), latency and
 * throughput in the run, with `step = epoch`.
 *
 * ```ts ignore
 * import * as ort from "onnxruntime-node";
 * import { OnnxEvaluator } from "@oicm/tracking/onnx";
 * const evaluator = await OnnxEvaluator.create({ client, ort, model: "model.onnx", metrics: ["accuracy"] });
 * const metrics = await evaluator.evaluate(batches); // { "eval/accuracy": 0.93, ... }
 * ```
 *
 * Depends on ONNX Runtime by structural types only: pass your own
 * `onnxruntime-node` or `onnxruntime-web` module or session. (ORT's JS training
 * API is gone: evaluation loops are the scope.)
 *
 * @module
 */
export { type CheckpointOptions, evaluateCheckpoints } from "./onnx/checkpoints.ts";
export { OnnxEvaluator } from "./onnx/evaluator.ts";
export { logOnnxModel, type OnnxModelOptions, onnxSignature } from "./onnx/model.ts";
export type { CustomMetric, MetricSpec } from "./onnx/metrics.ts";
export type { ConfusionMatrix, EpochReport, EvaluationReport } from "./onnx/report.ts";
export {
  type EvalBatch,
  type EvalDataset,
  EvaluationError,
  type EvaluatorOptions,
  type OrtInputMetadata,
  type OrtModuleLike,
  type OrtSessionLike,
  type OrtTensorLike,
} from "./onnx/types.ts";
