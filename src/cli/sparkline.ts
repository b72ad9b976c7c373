/**
 * One-line charts of a metric's whole history: each column summarises every
 * point that falls in it (their mean; the columns are scaled between the
 * lowest and highest of them), and a metric that spans orders of magnitude (a loss falling
 * from 10 to 0.001) is drawn on a log scale.
 *
 * @module
 */

const BARS = "▁▂▃▄▅▆▇█";

/** Whether values (all positive) span at least two orders of magnitude: then a log scale reads better. */
export function wantsLogScale(values: readonly number[]): boolean {
  const finite = values.filter(Number.isFinite);
  if (finite.length < 2 || finite.some((v) => v <= 0)) return false;
  return Math.max(...finite) / Math.min(...finite) >= 100;
}

/** `values` in `columns` buckets, each the mean of its finite points (NaN when it has none). */
export function buckets(values: readonly number[], columns: number): number[] {
  if (values.length <= columns) return [...values];
  const out: number[] = [];
  for (let b = 0; b < columns; b++) {
    const from = Math.floor(b * values.length / columns);
    const to = Math.floor((b + 1) * values.length / columns);
    let sum = 0;
    let n = 0;
    for (let i = from; i < to; i++) {
      if (Number.isFinite(values[i])) {
        sum += values[i];
        n++;
      }
    }
    out.push(n === 0 ? NaN : sum / n);
  }
  return out;
}

/**
 * A one-line chart of values (up to `columns` wide; a column with no finite
 * value shows as a space), on a log scale when `log`.
 *
 * @example
 * ```ts
 * import { sparkline } from "@oicm/tracking/cli";
 * console.log(sparkline([3, 1, 2])); // "█▁▅"
 * ```
 */
export function sparkline(values: number[], columns = 40, log = false): string {
  if (values.length === 0) return "";
  const scale = (v: number) => log ? Math.log10(v) : v;
  const shown = buckets(values, columns).map((v) => Number.isFinite(v) ? scale(v) : NaN);
  const finite = shown.filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return shown.map((v) => {
    if (!Number.isFinite(v)) return " ";
    const i = hi === lo ? 3 : Math.round((v - lo) / (hi - lo) * (BARS.length - 1));
    return BARS[Math.max(0, Math.min(BARS.length - 1, i))];
  }).join("");
}
