import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseMetricLines, readMetricLineChunks } from "../src/core/file_io.ts";
import { logBatchBodyFromLines } from "../src/rest/metric_body.ts";
import {
  formatMetricLines,
  formatMetricLinesInto,
  recordsOf,
  triplesByKey,
} from "../src/store/metric_lines.ts";
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
    for await (const { lines: bytes, count, end } of readMetricLineChunks(path, 0, 7, 37)) {
      assert.ok(count <= 7);
      assert.ok(end > last);
      last = end;
      const points = parseMetricLines("loss", new TextDecoder().decode(bytes));
      assert.equal(points.length, count);
      seen.push(...points.map((p) => p.step));
    }
    assert.deepEqual(seen, Array.from({ length: 100 }, (_, i) => i));
    assert.equal(last, whole, "the torn line is not consumed");
    // Resuming from a saved offset gives the rest, and nothing twice.
    const rest: number[] = [];
    const from = lines.slice(0, 60).join("").length;
    for await (const { lines: bytes } of readMetricLineChunks(path, from)) {
      rest.push(...parseMetricLines("loss", new TextDecoder().decode(bytes)).map((p) => p.step));
    }
    assert.deepEqual(rest, Array.from({ length: 40 }, (_, i) => i + 60));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a log-batch body is made from metric lines as they are on disk", () => {
  const lines = new TextEncoder().encode("1700000000000 0.5 3\n1700000000001 -1e-7 -4\n\n5 3.0\n");
  const body = logBatchBodyFromLines("r1", 'a/"b', lines)!;
  assert.deepEqual(JSON.parse(new TextDecoder().decode(body)), {
    run_id: "r1",
    metrics: [
      { timestamp: 1700000000000, value: 0.5, step: 3, key: 'a/"b' },
      { timestamp: 1700000000001, value: -1e-7, step: -4, key: 'a/"b' },
      { timestamp: 5, value: 3, step: 0, key: 'a/"b' }, // Python's 3.0; an old line with no step
    ],
    params: [],
    tags: [],
  });
  // What JSON cannot hold as it is, or what is not a metric line, is left to the parser.
  for (const odd of ["1 NaN 0\n", "1 inf 0\n", "1 -Infinity 2\n", "17\n", "1 2 3 4\n"]) {
    assert.equal(logBatchBodyFromLines("r1", "m", new TextEncoder().encode(odd)), undefined, odd);
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
  // The synchronous writer's form (columns in, one reused buffer out) hands over the same
  // lines, key by key; and the columns turn back into the same records.
  const triples = triplesByKey(metrics);
  assert.deepEqual(recordsOf(triples).map((r) => ({ ...r })), [
    ...metrics.filter((m) => m.key === "loss"),
    ...metrics.filter((m) => m.key === "a/b"),
  ]);
  const handed: [string, string][] = [];
  formatMetricLinesInto(
    triples,
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

test("a metric line that is not '<timestamp> <value> <step>' is skipped and handed over", () => {
  const bad: [number, string][] = [];
  const text = "1 0.5 0\ngarbage\n2 abc 1\n3 1e5e5 2\nx 1 3\n4 1 1.5\n5 0.25 4\n6 -inf 5\n7 0.1";
  const points = parseMetricLines("loss", text, (line, content) => bad.push([line, content]));
  assert.deepEqual(points.map((p) => [p.timestamp, p.value, p.step]), [
    [1, 0.5, 0],
    [5, 0.25, 4],
    [6, -Infinity, 5],
  ]);
  // Every whole bad line is named; the torn last line (a SIGKILL mid-write) is not.
  assert.deepEqual(bad, [[2, "garbage"], [3, "2 abc 1"], [4, "3 1e5e5 2"], [5, "x 1 3"], [
    6,
    "4 1 1.5",
  ]]);
  assert.deepEqual(parseMetricLines("old", "7 0.25\n").map((p) => [p.timestamp, p.value, p.step]), [
    [7, 0.25, 0],
  ]);
  // A body is made from lines only when every number in them is JSON as written.
  for (const odd of ["1 1e5e5 0\n", "01 2 3\n", "1 .5 0\n", "1 2 -\n", "1 +2 0\n"]) {
    assert.equal(logBatchBodyFromLines("r", "m", new TextEncoder().encode(odd)), undefined, odd);
  }
});
