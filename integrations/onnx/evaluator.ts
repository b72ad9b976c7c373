/**
 * {@linkcode OnnxEvaluator}: one ONNX model evaluated per call over a dataset,
 * its metrics logged at `step = epoch`, its model and report kept with the run.
 *
 * @module
 */
import { type Run, TrackingClient, ValidationError } from "../../mod.ts";
import { metricValues, StreamingMetrics } from "./metrics.ts";
import { onnxModel } from "./model.ts";
import { addEpoch, confusionMatrix } from "./report.ts";
import {
  type EvalDataset,
  EvaluationError,
  type EvaluatorOptions,
  type OrtSessionLike,
  type OrtTensorLike,
} from "./types.ts";

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
    // In MLflow's format (MLmodel, signature, environment); the run's end waits for it and
    // reports a failure.
    let toLog;
    try {
      toLog = onnxModel(model, this.#session, { artifactPath: folder });
    } catch (err) {
      this.#options.client.notice(`onnx: logging the model: ${(err as Error).message}`);
      return;
    }
    void run.logModel(toLog);
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
