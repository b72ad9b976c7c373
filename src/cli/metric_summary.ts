/**
 * What `cli show` and the HTML report say of one metric: its last, lowest
 * and highest value, its best point when its name says which way is better
 * (the lowest for a loss or an error, the highest for an accuracy or a score;
 * none for a count such as `eval/samples`) and whether its chart wants a log scale.
 *
 * @module
 */
import type { MetricPoint } from "../../mod.ts";
import { wantsLogScale } from "./sparkline.ts";

/** One metric's history in numbers. */
export interface MetricSummary {
  key: string;
  points: MetricPoint[];
  last: number;
  min: number;
  max: number;
  /** The best point, when the metric has a known direction. */
  best: MetricPoint | undefined;
  /** Which way is better: `min` for a loss or an error, `max` for an accuracy, else unknown. */
  direction: "min" | "max" | undefined;
  log: boolean;
}

const LOWER_IS_BETTER =
  /loss|err(or)?s?\b|error|mse|mae|rmse|mape|perplexity|latency|duration|distance|regret|wer|cer/i;
const HIGHER_IS_BETTER =
  /acc|accuracy|f1|precision|recall|auc|roc|score|iou|dice|bleu|rouge|map\b|ndcg|r2|reward|return/i;

/**
 * Which way a metric named `key` is better, from its last path segment; undefined when unknown.
 *
 * @example
 * ```ts ignore
 * direction("val/loss"); // "min"; direction("accuracy"): "max"; direction("eval/samples"): undefined
 * ```
 */
export function direction(key: string): "min" | "max" | undefined {
  const name = key.split("/").pop() ?? key;
  if (LOWER_IS_BETTER.test(name)) return "min";
  if (HIGHER_IS_BETTER.test(name)) return "max";
  return undefined;
}

/** Sums a metric's history (in step order). */
export function summarize(key: string, points: MetricPoint[]): MetricSummary {
  const finite = points.filter((p) => Number.isFinite(p.value));
  const dir = direction(key);
  let best: MetricPoint | undefined;
  for (const p of dir === undefined ? [] : finite) {
    if (best === undefined || (dir === "min" ? p.value < best.value : p.value > best.value)) {
      best = p;
    }
  }
  const values = finite.map((p) => p.value);
  return {
    key,
    points,
    last: points.at(-1)?.value ?? NaN,
    min: values.length ? Math.min(...values) : NaN,
    max: values.length ? Math.max(...values) : NaN,
    best,
    direction: dir,
    log: wantsLogScale(points.map((p) => p.value)),
  };
}
