/**
 * What the browser receives of a long metric: per pixel column, the first,
 * lowest, highest and last point (M4), so every extreme survives however many
 * points a column holds, and a line drawn through them looks as the whole
 * history would.
 *
 * @module
 */
import type { MetricPoint } from "../../mod.ts";

/** A metric's points as columns: the browser's form (small, and fast to draw). */
export interface Series {
  /** Steps, ascending. */
  step: number[];
  /** Wall times (ms since the epoch), one per step. */
  time: number[];
  /** Values; non-finite ones travel as `null`. */
  value: (number | null)[];
  /** How many points the metric holds in the range asked for (before reduction). */
  total: number;
}

/**
 * Reduces `points` (in step order) to at most four per pixel column over
 * `width` columns spanning steps `from`..`to` (the whole history by default):
 * each column keeps its first, minimum, maximum and last point, in order.
 * Non-finite values are kept as they come (a gap is a fact worth drawing).
 *
 * @example
 * ```ts ignore
 * const points = Array.from({ length: 1000 }, (_, i) => ({ key: "loss", value: i % 7, step: i, timestamp: i }));
 * const s = reduce(points, 10);
 * console.log(s.step.length <= 40, Math.max(...s.value.map(Number))); // true 6
 * ```
 */
export function reduce(
  points: readonly MetricPoint[],
  width: number,
  from = -Infinity,
  to = Infinity,
): Series {
  let lo = 0;
  let hi = points.length;
  if (from > -Infinity) lo = lowerBound(points, from);
  if (to < Infinity) hi = lowerBound(points, to, true);
  // One point either side of a zoomed range, so the line runs to the edges.
  if (from > -Infinity && lo > 0) lo--;
  if (to < Infinity && hi < points.length) hi++;
  const out: Series = { step: [], time: [], value: [], total: hi - lo };
  const push = (p: MetricPoint) => {
    out.step.push(p.step);
    out.time.push(p.timestamp);
    out.value.push(Number.isFinite(p.value) ? p.value : null);
  };
  const columns = Math.max(1, Math.floor(width));
  if (hi - lo <= columns * 4) {
    for (let i = lo; i < hi; i++) push(points[i]);
    return out;
  }
  const s0 = points[lo].step;
  const span = points[hi - 1].step - s0 || 1;
  let i = lo;
  while (i < hi) {
    const column = Math.min(columns - 1, Math.floor((points[i].step - s0) / span * columns));
    const first = i;
    let min = -1;
    let max = -1;
    const gaps: number[] = [];
    let j = i;
    for (; j < hi; j++) {
      const p = points[j];
      if (Math.min(columns - 1, Math.floor((p.step - s0) / span * columns)) !== column) break;
      if (!Number.isFinite(p.value)) {
        gaps.push(j); // a gap inside the column: kept where it falls
        continue;
      }
      if (min < 0 || p.value < points[min].value) min = j;
      if (max < 0 || p.value > points[max].value) max = j;
    }
    const last = j - 1;
    const keep = new Set([first, min, max, last, ...gaps].filter((k) => k >= 0));
    for (const k of [...keep].sort((a, b) => a - b)) push(points[k]);
    i = j;
  }
  return out;
}

/** The first index whose step is >= `step` (or > it, with `after`). */
function lowerBound(points: readonly MetricPoint[], step: number, after = false): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (after ? points[mid].step <= step : points[mid].step < step) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
