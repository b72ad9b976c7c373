import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseMetricLines, readMetricChunks } from "../src/file_io.ts";
import { formatMetricLines, formatMetricLinesInto } from "../src/metric_lines.ts";
import { TrackingError } from "../src/errors.ts";
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

test("metric lines are written per key, in order, exactly as JavaScript prints each number", () => {
  const values = [0.1, 1 / 3, 1e-7, 1e21, -2.5e-300, 0, -0, 42, Number.MAX_VALUE];
  const metrics = values.flatMap((value, i) => [
    { key: "loss", value, step: i, timestamp: 1_700_000_000_000 + i },
    { key: "a/b", value: -value, step: -i, timestamp: 5 },
  ]);
  const lines = formatMetricLines(metrics);
  const text = (key: string) => new TextDecoder().decode(lines.get(key));
  assert.deepEqual([...lines.keys()], ["loss", "a/b"]);
  assert.equal(text("loss"), values.map((v, i) => `${1_700_000_000_000 + i} ${v} ${i}\n`).join(""));
  assert.equal(text("a/b"), values.map((v, i) => `5 ${-v} ${-i}\n`).join(""));
  // The synchronous writer's form (one reused buffer) hands over the same lines, key by key.
  const handed: [string, string][] = [];
  formatMetricLinesInto(
    metrics,
    (key, bytes) => handed.push([key, new TextDecoder().decode(bytes)]),
  );
  assert.deepEqual(handed, [["loss", text("loss")], ["a/b", text("a/b")]]);
  // Read back equal (a negative zero prints, and so reads, as 0).
  assert.deepEqual(
    parseMetricLines("loss", text("loss")).map((p) => p.value),
    values.map((v) => v + 0),
  );
});

test("NaN and ±Infinity in a metric's lines are spelled out, next to finite values", () => {
  const metrics = [NaN, 1.5, Infinity, -Infinity].map((value, step) => ({
    key: "m",
    value,
    step,
    timestamp: 9,
  }));
  const text = new TextDecoder().decode(formatMetricLines(metrics).get("m"));
  assert.equal(text, "9 NaN 0\n9 1.5 1\n9 Infinity 2\n9 -Infinity 3\n");
});

test("a metric line that is not '<timestamp> <value> <step>' is an error naming the metric", () => {
  assert.throws(
    () => parseMetricLines("loss", "1 0.5 0\ngarbage\n"),
    (e: unknown) => e instanceof TrackingError && /metric 'loss'/.test(e.message),
  );
  assert.deepEqual(parseMetricLines("old", "7 0.25\n").map((p) => [p.timestamp, p.value, p.step]), [
    [7, 0.25, 0],
  ]);
});
