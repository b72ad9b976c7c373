/**
 * Evaluation metrics computed over a whole epoch, batch by batch: running
 * sums for the built-ins (so the result is exact, not an average of batch
 * averages), and the whole epoch's predictions for custom functions.
 *
 * @module
 */

/**
 * A custom metric: all of an epoch's predictions (flat, with their shape)
 * and targets, to one number.
 *
 * @example
 * ```ts
 * import type { CustomMetric } from "@oicm/tracking/onnx";
 * const maxError: CustomMetric = (p, t) => Math.max(...p.map((v, i) => Math.abs(v - t[i])));
 * ```
 */
export type CustomMetric = (
  predictions: number[],
  targets: number[],
  dims: readonly number[],
) => number;

/**
 * A metric to compute: `accuracy`, `top<k>` (such as `top5`), `log_loss`
 * (also `cross_entropy`), `mse`, `rmse`, `mae`, or a named custom function.
 *
 * @example
 * ```ts
 * import type { MetricSpec } from "@oicm/tracking/onnx";
 * const metrics: MetricSpec[] = ["accuracy", "top3", { name: "max_error", fn: (p, t) => 0 }];
 * ```
 */
export type MetricSpec = string | { name: string; fn: CustomMetric };

const EPS = 1e-15;
const REGRESSION = new Set(["mse", "rmse", "mae"]);
const CLASSIFICATION = /^(accuracy|top\d+|log_loss|cross_entropy)$/;

/** Running sums of one epoch. */
export class StreamingMetrics {
  readonly #kind: "logits" | "probabilities" | "auto";
  readonly #needsAll: boolean;
  readonly #topK: number[];
  samples = 0;
  correct = 0;
  readonly topCorrect = new Map<number, number>();
  logLoss = 0;
  elements = 0;
  sqErr = 0;
  absErr = 0;
  readonly allPredictions: number[] = [];
  readonly allTargets: number[] = [];
  dims: number[] = [];
  /** Classification counts: `confusion[target][predicted]` (binary outputs count as 2 classes). */
  readonly confusion: number[][] = [];

  constructor(specs: readonly MetricSpec[], kind: "logits" | "probabilities" | "auto" = "auto") {
    this.#kind = kind;
    this.#needsAll = specs.some((s) => typeof s !== "string");
    this.#topK = specs.filter((s): s is string => typeof s === "string" && /^top\d+$/.test(s))
      .map((s) => Number(s.slice(3)));
  }

  /** Counts one classified sample. */
  #count(target: number, predicted: number): void {
    const size = Math.max(this.confusion.length, target + 1, predicted + 1);
    while (this.confusion.length < size) this.confusion.push([]);
    for (const row of this.confusion) while (row.length < size) row.push(0);
    this.confusion[target][predicted]++;
  }

  /** Whether a batch's rows are probabilities (not logits), per `outputKind` or by looking. */
  #isProbabilities(p: ArrayLike<number>, n: number, classes: number): boolean {
    if (this.#kind !== "auto") return this.#kind === "probabilities";
    for (let r = 0; r < n; r++) {
      let sum = 0;
      for (let c = 0; c < classes; c++) {
        const v = p[r * classes + c];
        if (!(v >= 0 && v <= 1)) return false;
        sum += v;
      }
      if (classes > 1 && Math.abs(sum - 1) >= 1e-3) return false;
    }
    return true;
  }

  /** Adds a batch: predictions flat (any typed array) with their shape, targets flat. */
  add(predictions: ArrayLike<number>, dims: readonly number[], targets: ArrayLike<number>): void {
    const t = targets;
    const n = dims[0] ?? 1;
    const total = predictions.length;
    if (t.length !== total && t.length !== n) {
      throw new Error(
        `${t.length} targets for ${n} samples of ${total / n} value(s) each: ` +
          `give one class index per sample, or one value per output`,
      );
    }
    if (this.#needsAll) {
      for (let i = 0; i < total; i++) this.allPredictions.push(Number(predictions[i]));
      for (let i = 0; i < t.length; i++) this.allTargets.push(Number(t[i]));
      this.dims = [(this.dims[0] ?? 0) + n, ...dims.slice(1)];
    }
    // Regression: element by element.
    if (t.length === total) {
      for (let i = 0; i < total; i++) {
        const d = predictions[i] - t[i];
        this.sqErr += d * d;
        this.absErr += d < 0 ? -d : d;
      }
      this.elements += total;
    }
    // Classification: one target class per row.
    const classes = total / n;
    if (t.length !== n || !Number.isInteger(classes)) return;
    const probabilities = this.#isProbabilities(predictions, n, classes);
    for (let r = 0; r < n; r++) {
      const target = t[r];
      const row = r * classes;
      if (classes === 1) {
        const v = predictions[row];
        const p = probabilities ? v : 1 / (1 + Math.exp(-v));
        const hit = (p > 0.5 ? 1 : 0) === target;
        if (hit) this.correct++;
        if (target === 0 || target === 1) this.#count(target, p > 0.5 ? 1 : 0);
        const q = Math.min(1 - EPS, Math.max(EPS, p));
        this.logLoss -= target === 1 ? Math.log(q) : Math.log(1 - q);
        for (const k of this.#topK) {
          this.topCorrect.set(k, (this.topCorrect.get(k) ?? 0) + (hit || k > 1 ? 1 : 0));
        }
        continue;
      }
      // Ranking is the same for logits and probabilities: argmax and "how many beat the target".
      const tv = predictions[row + target];
      let best = 0;
      let higher = 0;
      let max = predictions[row];
      for (let c = 0; c < classes; c++) {
        const v = predictions[row + c];
        if (v > predictions[row + best]) best = c;
        if (v > tv) higher++;
        if (v > max) max = v;
      }
      if (best === target) this.correct++;
      if (Number.isInteger(target) && target >= 0 && target < classes) this.#count(target, best);
      for (const k of this.#topK) {
        this.topCorrect.set(k, (this.topCorrect.get(k) ?? 0) + (higher < k ? 1 : 0));
      }
      let pTarget: number;
      if (probabilities) pTarget = tv;
      else {
        let sum = 0;
        for (let c = 0; c < classes; c++) sum += Math.exp(predictions[row + c] - max);
        pTarget = Math.exp(tv - max) / sum;
      }
      this.logLoss -= Math.log(Math.min(1 - EPS, Math.max(EPS, pTarget)));
    }
    this.samples += n;
  }
}

/** The value of every metric from an epoch's sums; throws for an unknown metric name. */
export function metricValues(
  specs: readonly MetricSpec[],
  m: StreamingMetrics,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const spec of specs) {
    if (typeof spec !== "string") {
      if (typeof spec?.fn !== "function" || !spec.name) {
        throw new TypeError(
          "a custom metric is { name, fn: (predictions, targets, dims) => number }",
        );
      }
      if (m.allTargets.length > 0) out[spec.name] = spec.fn(m.allPredictions, m.allTargets, m.dims);
      continue;
    }
    if (!REGRESSION.has(spec) && !CLASSIFICATION.test(spec)) {
      throw new TypeError(
        `unknown metric '${spec}': use accuracy, top<k>, log_loss, mse, rmse, mae or { name, fn }`,
      );
    }
    if (REGRESSION.has(spec)) {
      if (m.elements === 0) {
        if (m.samples === 0) continue;
        throw new Error(`${spec} needs one target per prediction value`);
      }
      const mse = m.sqErr / m.elements;
      out[spec] = spec === "mse" ? mse : spec === "rmse" ? Math.sqrt(mse) : m.absErr / m.elements;
      continue;
    }
    if (m.samples === 0) {
      if (m.elements === 0) continue;
      throw new Error(`${spec} needs one target class per sample`);
    }
    if (spec === "accuracy") out.accuracy = m.correct / m.samples;
    else if (spec === "log_loss" || spec === "cross_entropy") out[spec] = m.logLoss / m.samples;
    else out[`${spec}_accuracy`] = (m.topCorrect.get(Number(spec.slice(3))) ?? 0) / m.samples;
  }
  return out;
}
