/** Sync progress: redrawn in place on a terminal, a line every few seconds in a log (fake clock). */
import assert from "node:assert/strict";
import { syncProgress } from "../src/cli/progress.ts";
import { test } from "./harness.ts";

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => t += ms };
}

const at = (pointsSent: number, runsDone = 0) => ({
  runsDone,
  runsTotal: 2,
  pointsSent,
  pointsTotal: 10_000,
});

test("on a terminal: one line redrawn with done/total, rate and time left", () => {
  const c = clock();
  const out: string[] = [];
  const p = syncProgress(
    { tty: true, write: (s) => out.push(s) },
    5_000,
    c.now,
  );
  c.advance(1_000);
  p.update(at(2_500));
  c.advance(50);
  p.update(at(2_600)); // within 100 ms of the last redraw: skipped
  c.advance(1_000);
  p.update(at(5_000, 1));
  p.done();
  assert.equal(out.length, 3);
  assert.equal(
    out[0],
    "\r\x1b[K  0/2 runs, 2,500/10,000 points (25%), 2,500 points/s, 3s left",
  );
  assert.equal(
    out[1],
    "\r\x1b[K  1/2 runs, 5,000/10,000 points (50%), 2,439 points/s, 3s left",
  );
  assert.equal(out[2], "\n", "the line ends when the sync does");
});

test("not on a terminal (a CI log): a plain line every interval", () => {
  const c = clock();
  const out: string[] = [];
  const p = syncProgress(
    { tty: false, write: (s) => out.push(s) },
    5_000,
    c.now,
  );
  for (let i = 1; i <= 12; i++) {
    c.advance(1_000);
    p.update(at(i * 500));
  }
  p.done();
  assert.equal(out.length, 3, out.join("")); // at 1 s, 6 s and 11 s
  assert.ok(out.every((l) => l.endsWith("\n") && !l.includes("\r")));
  assert.match(
    out[2],
    /0\/2 runs, 5,500\/10,000 points \(55%\), 500 points\/s, 9s left/,
  );
});

test("a sync with nothing to send says so (it printed '0/0 points (100%), ? left')", () => {
  const out: string[] = [];
  const p = syncProgress({ tty: false, write: (s) => out.push(s) }, 5_000, clock().now);
  p.update({ runsDone: 3, runsTotal: 3, pointsSent: 0, pointsTotal: 0 });
  p.done();
  assert.deepEqual(out, ["  3/3 runs, no metric points to send\n"]);
  const first: string[] = [];
  const q = syncProgress({ tty: false, write: (s) => first.push(s) }, 5_000, clock().now);
  q.update({ runsDone: 0, runsTotal: 1, pointsSent: 0, pointsTotal: 500 });
  assert.deepEqual(first, ["  0/1 run, 0/500 points (0%)\n"], "no guess at the time left");
});
