import assert from "node:assert/strict";
import { MetricRing } from "../src/delivery/metric_ring.ts";
import { test } from "./harness.ts";

test("the metric queue gives points back oldest first across blocks, bursts and drains, as records or columns", () => {
  const ring = new MetricRing();
  const model: [string, number, number, number][] = [];
  let next = 0;
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let round = 0; round < 200; round++) {
    // Bursts up to ~3 blocks (4096 points each), drains of any size, sometimes to empty.
    const add = Math.floor(random() * 12_000);
    for (let k = 0; k < add; k++, next++) {
      const key = `m${next % 3}`;
      ring.push(key, next / 7, next, 1_000 + next);
      model.push([key, next / 7, next, 1_000 + next]);
    }
    assert.equal(ring.size, model.length);
    if (model.length > 0) {
      const at = Math.floor(random() * model.length);
      assert.equal(ring.keyAt(at), model[at][0]);
    }
    const take = random() < 0.2 ? model.length : Math.floor(random() * (model.length + 1));
    const expected = model.splice(0, take);
    if (round % 2 === 0) {
      const got = ring.shift(take).map((p) => [p.key, p.value, p.step, p.timestamp]);
      assert.deepEqual(got, expected);
    } else {
      // The spill's form: per key, [timestamp, value, step] triples in order.
      const got = new Map<string, number[]>();
      ring.shiftTriples(take, got);
      const want = new Map<string, number[]>();
      for (const [key, value, step, time] of expected) {
        if (!want.has(key)) want.set(key, []);
        want.get(key)!.push(time, value, step);
      }
      assert.deepEqual(got, want);
    }
  }
  assert.ok(next > 500_000, "the queue saw half a million points");
});
