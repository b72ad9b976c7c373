/**
 * {@linkcode evaluateCheckpoints}: one checkpoint per epoch, evaluated as one run.
 *
 * @module
 */
import { errorTags, type TrackingClient } from "../../mod.ts";
import { OnnxEvaluator } from "./evaluator.ts";
import type { EvalDataset, EvaluatorOptions, OrtModuleLike } from "./types.ts";

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
      // An MLflow model is a folder: each checkpoint is kept in one of its own.
      const folder = typeof options.logModel === "object"
        ? options.logModel.artifactPath
        : undefined;
      const logModel = options.logModel
        ? { artifactPath: `${folder ?? "model"}/checkpoint-${step}` }
        : false;
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
        run.setTags(errorTags(err, (t) => client.redactSecrets(t)));
      } catch { /* ending it FAILED matters more */ }
      await run.end("FAILED").catch(() => {});
    }
    throw err;
  }
  if (!active) await run.end("FINISHED");
  return results;
}
