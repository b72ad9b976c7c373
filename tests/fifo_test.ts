/** The queue params and tags wait in: order kept through takes, compaction and filtering. */
import assert from "node:assert/strict";
import { Fifo } from "../src/delivery/fifo.ts";
import { test } from "./harness.ts";

test("a fifo hands items back oldest first, across many takes and compactions", () => {
  const q = new Fifo<number>();
  let next = 0;
  let expected = 0;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 997; i++) q.push(next++);
    const taken = q.take(round % 2 === 0 ? 100 : 1500);
    for (const x of taken) assert.equal(x, expected++);
    assert.equal(q.length, next - expected);
    if (q.length > 0) assert.equal(q.at(0), expected);
  }
  assert.deepEqual(q.takeAll(), Array.from({ length: next - expected }, (_, i) => expected + i));
  assert.equal(q.length, 0);
  assert.deepEqual(q.take(5), []);
});

test("filtering a fifo keeps the order of what stays and returns what went", () => {
  const q = new Fifo<number>();
  for (let i = 0; i < 10; i++) q.push(i);
  q.take(3);
  assert.deepEqual(q.filter((x) => x % 2 === 0), [3, 5, 7, 9]);
  assert.deepEqual(q.takeAll(), [4, 6, 8]);
});
