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
import { errorTags, type Run, TrackingClient, TrackingError, ValidationError } from "../mod.ts";
import { type MetricSpec, metricValues, StreamingMetrics } from "./onnx_metrics.ts";
import { addEpoch, confusionMatrix } from "./onnx/report.ts";

export type { CustomMetric, MetricSpec } from "./onnx_metrics.ts";
export type { ConfusionMatrix, EpochReport, EvaluationReport } from "./onnx/report.ts";

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
   * Keep the `.onnx` model evaluated in the run's artifacts (needs `model`): under `model/`, by
   * its file name (`model.onnx` for bytes); `{ artifactPath }` names another folder. Off by default.
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

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1));
  return sorted[i];
}

function dimsOf(feed: unknown): readonly number[] | undefined {
  const dims = (feed as { dims?: unknown })?.dims;
  return Array.isArray(dims) ? dims as number[] : undefined;
}

/**
 * Evaluates one ONNX model per call over a dataset, logging its metrics at
 * `step = epoch` (counted from 0, or given) and returning them.
 *
 * @example
 * ```ts ignore
 * import * as ort from "onnxruntime-node";
 * import { OnnxEvaluator } from "@oicm/tracking/onnx";
 * const run = await client.startRun({ runName: "eval" });
 * const evaluator = await OnnxEvaluator.create({ client, ort, model: "model.onnx", metrics: ["accuracy", "log_loss"] });
 * for (let epoch = 0; epoch < 3; epoch++) await evaluator.evaluate(testBatches());
 * await run.end();
 * ```
 */
export class OnnxEvaluator {
  readonly #session: OrtSessionLike;
  /** Whether this evaluator made the session (from a model), and so releases it. */
  #owned = false;
  readonly #options: EvaluatorOptions;
  readonly #output: string;
  #epoch = 0;
  /** The runs this evaluator's model has been stored in. */
  readonly #modelLogged = new WeakSet<Run>();

  private constructor(session: OrtSessionLike, options: EvaluatorOptions) {
    this.#session = session;
    this.#options = options;
    const output = options.output ??
      (session.outputNames.length === 1 ? session.outputNames[0] : undefined);
    if (output === undefined || !session.outputNames.includes(output)) {
      throw new ValidationError(
        `choose the output to evaluate: output must be one of ${
          JSON.stringify(session.outputNames)
        }`,
      );
    }
    this.#output = output;
    try {
      metricValues(options.metrics ?? [], new StreamingMetrics(options.metrics ?? [])); // checks names
    } catch (err) {
      throw new ValidationError((err as Error).message);
    }
  }

  /** Builds an evaluator from a session, or from a model path or bytes and the ORT module. */
  static async create(options: EvaluatorOptions): Promise<OnnxEvaluator> {
    if (!(options.client instanceof TrackingClient)) {
      throw new ValidationError("OnnxEvaluator needs a TrackingClient as client");
    }
    if (options.logModel && options.model === undefined) {
      throw new ValidationError(
        "logModel needs the model (a path or bytes): the evaluator cannot save a session",
      );
    }
    let session = options.session;
    let owned = false;
    if (session === undefined) {
      if (options.model === undefined || options.ort === undefined) {
        throw new ValidationError("give a session, or a model (path or bytes) and the ort module");
      }
      try {
        session = await options.ort.InferenceSession.create(options.model as never);
        owned = true;
      } catch (err) {
        const what = typeof options.model === "string"
          ? options.model
          : `${options.model.length} bytes`;
        throw new EvaluationError(
          `cannot load the ONNX model (${what}): ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
    }
    let evaluator: OnnxEvaluator;
    try {
      evaluator = new OnnxEvaluator(session, options);
    } catch (err) {
      if (owned) await session.release?.(); // a bad option must not leak the session made for it
      throw err;
    }
    evaluator.#owned = owned;
    return evaluator;
  }

  /**
   * Frees the session if this evaluator made it (from `model`); a session
   * passed in stays the caller's. Also run by `await using`.
   */
  async release(): Promise<void> {
    if (!this.#owned) return;
    this.#owned = false;
    await this.#session.release?.();
  }

  /** {@linkcode OnnxEvaluator.release}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }

  /** The session being evaluated. */
  get session(): OrtSessionLike {
    return this.#session;
  }

  #checkFeeds(feeds: Record<string, unknown>, batch: number): void {
    for (const name of this.#session.inputNames) {
      if (!(name in feeds)) {
        throw new EvaluationError(
          `batch ${batch}: input '${name}' is missing; the model takes ${
            JSON.stringify(this.#session.inputNames)
          }`,
          { input: name, batch, expectedShape: this.#expected(name) },
        );
      }
      const expected = this.#expected(name);
      const got = dimsOf(feeds[name]);
      if (expected && got) {
        const fits = expected.length === got.length &&
          expected.every((d, i) => typeof d !== "number" || d < 0 || d === got[i]);
        if (!fits) {
          throw new EvaluationError(
            `batch ${batch}: input '${name}' has shape [${got.join(", ")}], the model expects [${
              expected.join(", ")
            }]`,
            { input: name, batch, expectedShape: expected },
          );
        }
      }
    }
  }

  #expected(name: string): readonly (number | string)[] | undefined {
    return this.#session.inputMetadata?.find((m) => m.name === name)?.shape;
  }

  /**
   * Evaluates one epoch over `dataset`, logs every metric at `step = epoch`
   * (the next count when not given) and resolves to them.
   */
  async evaluate(
    dataset: EvalDataset,
    options: { epoch?: number } = {},
  ): Promise<Record<string, number>> {
    const epoch = options.epoch ?? this.#epoch;
    this.#epoch = epoch + 1;
    const run = this.#options.run ?? this.#options.client.activeRun();
    if (run === undefined) {
      throw new ValidationError(
        "no run to log to: start a run, pass run, or use evaluateCheckpoints",
      );
    }
    const metrics = new StreamingMetrics(this.#options.metrics ?? [], this.#options.outputKind);
    const latencies: number[] = [];
    let samples = 0;
    let index = 0;
    for await (const batch of dataset) {
      this.#checkFeeds(batch.feeds, index);
      const started = performance.now();
      let outputs: Record<string, OrtTensorLike>;
      try {
        outputs = await this.#session.run(batch.feeds as Record<string, never>);
      } catch (err) {
        throw new EvaluationError(
          `batch ${index}: ONNX Runtime failed: ${(err as Error).message}`,
          {
            batch: index,
            cause: err,
          },
        );
      }
      latencies.push(performance.now() - started);
      const out = outputs[this.#output];
      const rows = out.dims[0] ?? 1;
      try {
        metrics.add(out.data as ArrayLike<number>, out.dims, batch.targets);
      } catch (err) {
        throw new EvaluationError(`batch ${index}: ${(err as Error).message}`, { batch: index });
      }
      samples += rows;
      index++;
    }
    if (index === 0) throw new EvaluationError("the dataset gave no batch");
    const total = latencies.reduce((a, b) => a + b, 0);
    const sorted = [...latencies].sort((a, b) => a - b);
    let computed: Record<string, number>;
    try {
      computed = metricValues(this.#options.metrics ?? [], metrics);
    } catch (err) {
      throw new EvaluationError((err as Error).message, { cause: err });
    }
    const values: Record<string, number> = {
      ...computed,
      latency_p50_ms: percentile(sorted, 50),
      latency_p95_ms: percentile(sorted, 95),
      samples_per_second: samples / (total / 1000),
      samples,
    };
    const prefix = this.#options.prefix ?? "eval/";
    const logged = Object.fromEntries(Object.entries(values).map(([k, v]) => [prefix + k, v]));
    run.logMetrics(logged, { step: epoch });
    // Files go in the background, in order; the run's end waits for them and reports a failure.
    this.#storeModel(run);
    this.#storeReport(run, epoch, values, metrics);
    return logged;
  }

  /** Whether this evaluates a classifier: a classification metric asked for, or class names given. */
  get #classifies(): boolean {
    return this.#options.classNames !== undefined ||
      (this.#options.metrics ?? []).some((m) =>
        typeof m === "string" && /^(accuracy|top\d+|log_loss|cross_entropy)$/.test(m)
      );
  }

  /** The model's name in reports and artifacts: its file name, or `model.onnx` for bytes. */
  get #modelName(): string {
    const model = this.#options.model;
    return typeof model === "string" ? model.split(/[\\/]/).pop()! : "model.onnx";
  }

  #storeModel(run: Run): void {
    const { logModel, model } = this.#options;
    if (!logModel || model === undefined || this.#modelLogged.has(run)) return;
    this.#modelLogged.add(run);
    const folder = (typeof logModel === "object" ? logModel.artifactPath : undefined) ?? "model";
    if (typeof model === "string") void run.logArtifact(model, folder);
    else void run.logBytes(model, `${folder}/${this.#modelName}`);
  }

  #storeReport(
    run: Run,
    epoch: number,
    values: Record<string, number>,
    metrics: StreamingMetrics,
  ): void {
    const option = this.#options.report ?? true;
    if (option === false) return;
    const file = (typeof option === "object" ? option.artifactFile : undefined) ??
      "eval/report.json";
    const report = addEpoch(run, file, this.#output, {
      epoch,
      model: typeof this.#options.model === "string"
        ? this.#modelName
        : this.#options.model
        ? "bytes"
        : "session",
      metrics: values,
      confusionMatrix: this.#classifies
        ? confusionMatrix(metrics.confusion, this.#options.classNames)
        : undefined,
    });
    void run.logDict(report, file);
  }
}

/**
 * Options of {@linkcode evaluateCheckpoints}.
 *
 * @example
 * ```ts ignore
 * const opts: CheckpointOptions = { ort, checkpoints: ["e0.onnx", "e1.onnx"], dataset: () => batches(), metrics: ["mse"] };
 * ```
 */
export interface CheckpointOptions
  extends Omit<EvaluatorOptions, "client" | "session" | "model" | "run"> {
  /** One model per epoch, in order: file paths or bytes. */
  checkpoints: readonly (string | Uint8Array)[];
  /** Makes the batches anew for each checkpoint. */
  dataset: () => EvalDataset;
  /** The ORT module. */
  ort: OrtModuleLike;
  /** Name of the run, when one is opened (the server makes up a unique one by default). */
  runName?: string;
}

/**
 * Evaluates a list of checkpoints (one per epoch) as one run: uses the
 * active run or opens one (and ends it, FAILED if evaluating throws), logs
 * each checkpoint's metrics at its index as step and its file name as tag
 * `checkpoint/<step>`. Resolves to the metrics of each checkpoint.
 *
 * @example
 * ```ts ignore
 * import * as ort from "onnxruntime-node";
 * import { evaluateCheckpoints } from "@oicm/tracking/onnx";
 * const perEpoch = await evaluateCheckpoints(client, {
 *   ort, checkpoints: ["ckpt/e0.onnx", "ckpt/e1.onnx"], dataset: () => testBatches(), metrics: ["accuracy"],
 * });
 * ```
 */
export async function evaluateCheckpoints(
  client: TrackingClient,
  options: CheckpointOptions,
): Promise<Record<string, number>[]> {
  const active = client.activeRun();
  // No made-up default name: a fixed one would resume (and merge) every earlier evaluation.
  const run = active ?? await client.startRun({ runName: options.runName });
  const results: Record<string, number>[] = [];
  try {
    for (const [step, checkpoint] of options.checkpoints.entries()) {
      // Checkpoints given as bytes have no file name: each is kept in a folder of its own.
      const folder = typeof options.logModel === "object"
        ? options.logModel.artifactPath
        : undefined;
      const logModel = options.logModel && typeof checkpoint !== "string"
        ? { artifactPath: `${folder ?? "model"}/checkpoint-${step}` }
        : options.logModel;
      await using evaluator = await OnnxEvaluator.create({
        ...options,
        client,
        run,
        model: checkpoint,
        logModel,
      });
      const name = typeof checkpoint === "string"
        ? checkpoint.split(/[\\/]/).pop()!
        : `bytes-${step}`;
      run.setTag(`checkpoint/${step}`, name);
      results.push(await evaluator.evaluate(options.dataset(), { epoch: step }));
    }
  } catch (err) {
    if (!active) {
      try {
        run.setTags(errorTags(err));
      } catch { /* ending it FAILED matters more */ }
      await run.end("FAILED").catch(() => {});
    }
    throw err;
  }
  if (!active) await run.end("FINISHED");
  return results;
}
