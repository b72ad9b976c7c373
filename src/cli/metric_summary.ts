/**
 * What `cli show` and the HTML report say of one metric: its last, lowest
 * and highest value, its best point (the lowest for a loss or an error, the
 * highest for anything else) and whether its chart wants a log scale.
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
  best: MetricPoint | undefined;
  /** Whether lower values are better (a loss, an error, a latency). */
  lowerIsBetter: boolean;
  log: boolean;
}

const LOWER_IS_BETTER = /loss|err|mse|mae|rmse|perplexity|latency|time|distance|regret/i;

/** Sums a metric's history (in step order). */
export function summarize(key: string, points: MetricPoint[]): MetricSummary {
  const finite = points.filter((p) => Number.isFinite(p.value));
  const lowerIsBetter = LOWER_IS_BETTER.test(key.split("/").pop() ?? key);
  let best: MetricPoint | undefined;
  for (const p of finite) {
    if (best === undefined || (lowerIsBetter ? p.value < best.value : p.value > best.value)) {
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
    lowerIsBetter,
    log: wantsLogScale(points.map((p) => p.value)),
  };
}
