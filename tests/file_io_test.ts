import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseMetricLines, readMetricChunks } from "../src/file_io.ts";
import { test } from "./harness.ts";

test("metric files stream in bounded chunks: every whole line once, byte offsets exact", async () => {
  const dir = mkdtempSync(join(tmpdir(), "chunks-"));
  try {
    const path = join(dir, "loss");
    const lines = Array.from({ length: 100 }, (_, i) => `${1000 + i} ${i / 3} ${i}\n`);
    writeFileSync(path, lines.join("") + "2000 0.5"); // a torn last line, being written
    const whole = lines.join("").length;
    const seen: number[] = [];
    let last = 0;
    for await (const { points, end } of readMetricChunks(path, "loss", 0, 7, 37)) {
      assert.ok(points.length <= 7);
      assert.ok(end > last);
      last = end;
      seen.push(...points.map((p) => p.step));
    }
    assert.deepEqual(seen, Array.from({ length: 100 }, (_, i) => i));
    assert.equal(last, whole, "the torn line is not consumed");
    // Resuming from a saved offset gives the rest, and nothing twice.
    const rest: number[] = [];
    for await (
      const { points } of readMetricChunks(path, "loss", lines.slice(0, 60).join("").length)
    ) {
      rest.push(...points.map((p) => p.step));
    }
    assert.deepEqual(rest, Array.from({ length: 40 }, (_, i) => i + 60));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("metric lines read what JavaScript and Python print", () => {
  const points = parseMetricLines(
    "m",
    "1 NaN 0\n2 nan 1\n3 inf 2\n4 -Infinity 3\n5 3.0 4\n6 1e-7 5\n",
  );
  assert.ok(Number.isNaN(points[0].value) && Number.isNaN(points[1].value));
  assert.deepEqual(points.slice(2).map((p) => p.value), [Infinity, -Infinity, 3, 1e-7]);
});
