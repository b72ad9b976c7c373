/**
 * The viewer's reduction: a million points become a few thousand, and every
 * extreme (each pixel column's lowest and highest point) is still there.
 */
import assert from "node:assert/strict";
import type { MetricPoint } from "../mod.ts";
import { reduce } from "../src/viewer/reduce.ts";
import { test } from "./harness.ts";

function noisy(n: number, seed = 7): MetricPoint[] {
  let s = seed;
  const rand = () => (s = (s * 16807) % 2147483647) / 2147483647;
  return Array.from({ length: n }, (_, i) => ({
    key: "loss",
    value: Math.exp(-i / n * 3) + (rand() - 0.5) * 0.2,
    step: i,
    timestamp: 1_000 + i,
  }));
}

test("reduce keeps each pixel column's min and max: a 1,000,000-point spike survives", () => {
  const points = noisy(1_000_000);
  points[654_321] = { ...points[654_321], value: 42 }; // one outlier
  points[123_457] = { ...points[123_457], value: -42 };
  const width = 1000;
  const s = reduce(points, width);
  assert.ok(s.step.length <= width * 4, `${s.step.length} points sent`);
  assert.equal(s.total, 1_000_000);
  assert.ok(s.value.includes(42) && s.value.includes(-42), "the spikes are kept");
  // Every column's extremes, computed the slow way, are in the reduction at their step.
  const kept = new Map(s.step.map((step, i) => [step, s.value[i]]));
  // A pixel column: the steps that fall in one 1/width of the step range.
  const columnOf = (step: number) => Math.min(width - 1, Math.floor(step / 999_999 * width));
  const mins = new Map<number, MetricPoint>();
  const maxs = new Map<number, MetricPoint>();
  for (const p of points) {
    const col = columnOf(p.step);
    if (!mins.has(col) || p.value < mins.get(col)!.value) mins.set(col, p);
    if (!maxs.has(col) || p.value > maxs.get(col)!.value) maxs.set(col, p);
  }
  assert.equal(mins.size, width);
  for (let col = 0; col < width; col++) {
    const [min, max] = [mins.get(col)!, maxs.get(col)!];
    assert.equal(kept.get(min.step), min.value, `column ${col}: its minimum`);
    assert.equal(kept.get(max.step), max.value, `column ${col}: its maximum`);
  }
  assert.deepEqual([s.step[0], s.step.at(-1)], [0, 999_999], "first and last point");
  assert.ok(s.step.every((v, i) => i === 0 || v > s.step[i - 1]), "in step order");
});

test("reduce sends short histories whole, NaN as null", () => {
  const points = noisy(50);
  points[3] = { ...points[3], value: NaN };
  const s = reduce(points, 100);
  assert.equal(s.step.length, 50);
  assert.equal(s.value[3], null);
  assert.deepEqual(s.time.slice(0, 2), [1000, 1001]);
});

test("reduce over a zoomed step range returns that range's detail, one point either side", () => {
  const points = noisy(100_000);
  const s = reduce(points, 1000, 5000, 5100);
  assert.equal(s.step.length, 103, "every point from 4999 to 5101");
  assert.deepEqual([s.step[0], s.step.at(-1)], [4999, 5101]);
});
