/**
 * What a `fit` is recorded with as params: the fit arguments as MLflow's Keras
 * autolog names them, the optimizer and its config, the loss, parameter
 * counts; and the model summary (a tag).
 *
 * @module
 */
import type { TfFitParams, TfModelLike } from "./types.ts";

function snake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

/**
 * Fit params as MLflow's Keras autolog names them, plus the model's when known.
 *
 * @example
 * ```ts
 * import { fitParams } from "@oicm/tracking/tfjs";
 * console.log(fitParams({ epochs: 5, batchSize: 16 })); // { epochs: 5, batch_size: 16 }
 * ```
 */
export function fitParams(params: TfFitParams, model?: TfModelLike): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (k: string, v: unknown) => {
    if (v !== null && v !== undefined) out[k] = v;
  };
  put("epochs", params.epochs);
  put("initial_epoch", params.initialEpoch);
  put("batch_size", params.batchSize);
  put("samples", params.samples);
  put("steps", params.steps);
  put("do_validation", params.doValidation);
  put("metrics", params.metrics?.join(","));
  if (model?.optimizer) {
    put("opt_name", model.optimizer.getClassName());
    for (const [k, v] of Object.entries(model.optimizer.getConfig())) {
      if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") {
        put(`opt_${snake(k)}`, v);
      }
    }
  }
  if (model?.loss !== undefined) {
    const losses = Array.isArray(model.loss) ? model.loss : [model.loss];
    put(
      "loss",
      losses.map((l) => typeof l === "function" ? l.name || "custom" : String(l)).join(","),
    );
  }
  if (model?.trainableWeights) {
    put(
      "trainable_params",
      model.trainableWeights.reduce(
        (n, w) => n + w.shape.reduce<number>((a, d) => a * (d ?? 1), 1),
        0,
      ),
    );
  }
  if (model?.countParams) put("total_params", model.countParams());
  return out;
}

/** The model's layer table, as `model.summary()` prints it (cut to 8000 characters). */
export function modelSummary(model: TfModelLike): string | undefined {
  if (!model.summary) return undefined;
  const lines: string[] = [];
  try {
    model.summary(100, undefined, (line) => lines.push(line));
  } catch {
    return undefined;
  }
  const text = lines.join("\n");
  return text.length > 8000 ? text.slice(0, 7980) + "\n...[truncated]" : text;
}
