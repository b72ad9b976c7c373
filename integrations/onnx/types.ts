/**
 * The ONNX Runtime shapes the evaluator reads (by structural type, so
 * `onnxruntime-node` and `onnxruntime-web` both fit), the dataset it takes,
 * its options, and its error.
 *
 * @module
 */
import { type Run, type TrackingClient, TrackingError } from "../../mod.ts";
import type { MetricSpec } from "./metrics.ts";

/**
 * An ORT tensor, as far as reading outputs goes.
 *
 * @example
 * ```ts
 * import type { OrtTensorLike } from "@oicm/tracking/onnx";
 * const t: OrtTensorLike = { data: new Float32Array([0.1, 0.9]), dims: [1, 2] };
 * ```
 */
export interface OrtTensorLike {
  /** The values, flat. */
  readonly data: ArrayLike<number | bigint> | readonly string[];
  /** The shape. */
  readonly dims: readonly number[];
}

/**
 * What an ORT session tells of an input.
 *
 * @example
 * ```ts
 * import type { OrtInputMetadata } from "@oicm/tracking/onnx";
 * const m: OrtInputMetadata = { name: "x", shape: ["N", 3] };
 * ```
 */
export interface OrtInputMetadata {
  /** Input name. */
  name: string;
  /** Whether it is a tensor. */
  isTensor?: boolean;
  /** Its shape: numbers, or names for free dimensions (the batch). */
  shape?: readonly (number | string)[];
  /** Its element type (`float32`, `int64`, ...). */
  type?: string;
}

/**
 * An ORT `InferenceSession`, as far as this adapter uses it.
 *
 * @example
 * ```ts
 * import type { OrtSessionLike } from "@oicm/tracking/onnx";
 * const names = (s: OrtSessionLike) => s.inputNames.join(", ");
 * ```
 */
export interface OrtSessionLike {
  /** Input names. */
  readonly inputNames: readonly string[];
  /** Output names. */
  readonly outputNames: readonly string[];
  /** Input shapes (ORT 1.20+). */
  readonly inputMetadata?: readonly OrtInputMetadata[];
  /** Output shapes (ORT 1.20+). */
  readonly outputMetadata?: readonly OrtInputMetadata[];
  /** Runs the model. */
  run(feeds: Record<string, never>): Promise<Record<string, OrtTensorLike>>;
  /** Frees the session. */
  release?(): Promise<void>;
}

/**
 * The ORT module (`import * as ort from "onnxruntime-node"`), as far as creating sessions goes.
 *
 * @example
 * ```ts
 * import type { OrtModuleLike } from "@oicm/tracking/onnx";
 * const load = (ort: OrtModuleLike, path: string) => ort.InferenceSession.create(path as never);
 * ```
 */
export interface OrtModuleLike {
  /** The session class. */
  InferenceSession: { create(model: never): Promise<OrtSessionLike> };
}

/**
 * One batch: the model's inputs (your `ort.Tensor`s) and the targets, flat:
 * one class index per sample for classification, one value per output
 * element for regression.
 *
 * @example
 * ```ts ignore
 * const batch: EvalBatch = { feeds: { x: new ort.Tensor("float32", xs, [4, 3]) }, targets: [0, 2, 1, 1] };
 * ```
 */
export interface EvalBatch {
  /** Inputs by name. */
  feeds: Record<string, unknown>;
  /** Targets, flat. */
  targets: ArrayLike<number>;
}

/**
 * Batches, sync or async.
 *
 * @example
 * ```ts
 * import type { EvalDataset } from "@oicm/tracking/onnx";
 * const none: EvalDataset = [];
 * ```
 */
export type EvalDataset = Iterable<EvalBatch> | AsyncIterable<EvalBatch>;

/**
 * Options of {@linkcode OnnxEvaluator.create}.
 *
 * @example
 * ```ts ignore
 * const opts: EvaluatorOptions = { client, ort, model: "model.onnx", metrics: ["accuracy", "top3", "log_loss"] };
 * ```
 */
export interface EvaluatorOptions {
  /** The client to log with. */
  client: TrackingClient;
  /** A session to use; or give `model` and `ort`. */
  session?: OrtSessionLike;
  /** A model file path or its bytes (with `ort`). */
  model?: string | Uint8Array;
  /** The ORT module, to create a session from `model`. */
  ort?: OrtModuleLike;
  /** The output to evaluate; the session's only output by default. */
  output?: string;
  /** Metrics: built-in names (`accuracy`, `topK` such as `top5`, `log_loss`, `mse`, `rmse`, `mae`) or `{ name, fn }`. */
  metrics?: MetricSpec[];
  /** Whether class outputs are logits or probabilities; guessed per batch by default. */
  outputKind?: "logits" | "probabilities" | "auto";
  /** A prefix for every logged key. Default `eval/`. */
  prefix?: string;
  /** The run to log to; the client's active run by default. */
  run?: Run;
  /**
   * Keep the `.onnx` model evaluated with the run, in MLflow's format (needs `model`): an MLflow
   * model folder `model/` (`MLmodel`, `model.onnx`, signature, environment files; see
   * `logOnnxModel`); `{ artifactPath }` names another folder. Off by default.
   */
  logModel?: boolean | { artifactPath?: string };
  /**
   * The evaluation report stored with the run after each epoch: every epoch's metrics and, for
   * classifiers, its confusion matrix. Default `eval/report.json`; `false` turns it off.
   */
  report?: boolean | { artifactFile?: string };
  /** Class names for the confusion matrix, by class index. */
  classNames?: string[];
}

/**
 * What went wrong evaluating: a missing input, a wrong shape, a bad batch, or
 * an error from ORT, with the input and expected shape when known.
 *
 * @example
 * ```ts
 * import { EvaluationError } from "@oicm/tracking/onnx";
 * const err = new EvaluationError("input 'x' has shape [2,2], expected [N,3]", { input: "x" });
 * console.log(err.input);
 * ```
 */
export class EvaluationError extends TrackingError {
  /** The input concerned, when one is. */
  readonly input?: string;
  /** The shape the model expects for it. */
  readonly expectedShape?: readonly (number | string)[];
  /** The index of the batch that failed. */
  readonly batch?: number;
  /** Builds the error. */
  constructor(
    message: string,
    init: {
      input?: string;
      expectedShape?: readonly (number | string)[];
      batch?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, { code: "EVALUATION_ERROR", cause: init.cause });
    this.input = init.input;
    this.expectedShape = init.expectedShape;
    this.batch = init.batch;
  }
}
