/**
 * The latest value of each metric (`getRun`, `searchRuns`) offline, read
 * through the summaries kept beside the metric files: right when steps go back,
 * when other processes append and read at once, when a line is still being
 * written, and when a file changes in a way an append cannot explain.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TrackingClient } from "../mod.ts";
import { FileBackend } from "../src/store/file_backend.ts";
import { LATEST_FILE } from "../src/store/latest_metrics.ts";
import { runScript } from "./fixtures/runtime.ts";
import { test } from "./harness.ts";

/** The latest point of a metric file as MLflow's FileStore picks it: Python's max over (step, timestamp, value). */
function mlflowLatest(text: string): number | undefined {
  let best: [number, number, number] | undefined;
  for (const line of text.split("\n").slice(0, -1)) { // the last piece is torn or empty
    const [t, v, s] = line.split(" ");
    const p: [number, number, number] = [Number(s ?? 0), Number(t), Number(v)];
    if (p.some((x, i) => i < 2 && !Number.isInteger(x))) continue;
    const later = best === undefined ||
      (p[0] !== best[0] ? p[0] > best[0] : p[1] !== best[1] ? p[1] > best[1] : p[2] > best[2]);
    if (later) best = p;
  }
  return best?.[2];
}

/** A store with one run holding `points` points of `loss` in step order (well over 64 KB). */
async function storeWithRun(points = 3000) {
  const dir = mkdtempSync(join(tmpdir(), "latest-"));
  const client = new TrackingClient({ offline: true, storagePath: dir, onNotice: () => {} });
  const run = await client.startRun({ runName: "long" });
  for (let i = 0; i < points; i++) {
    run.logMetric("loss", 1 / (i + 1), { step: i, timestamp: 1e12 + i });
  }
  await client.close();
  const file = join(dir, "0", run.runId, "metrics", "loss");
  return {
    dir,
    runId: run.runId,
    file,
    truth: () => mlflowLatest(readFileSync(file, "utf8")),
    [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function child(script: string, ...args: string[]): Promise<string> {
  const [cmd, argv] = runScript(script, ...args);
  const proc = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stdout.on("data", (d) => out += d);
  proc.stderr.on("data", (d) => err += d);
  return new Promise((resolve, reject) =>
    proc.on(
      "exit",
      (code) => code === 0 ? resolve(out) : reject(new Error(`${script}: ${code}\n${err}`)),
    )
  );
}

const latest = async (backend: FileBackend, runId: string) =>
  (await backend.getRun(runId)).data.metrics.loss;

test("latest metrics stay right when steps arrive out of order and another process appends", async () => {
  using s = await storeWithRun();
  const reader = new FileBackend(s.dir);
  assert.equal(await latest(reader, s.runId), 1 / 3000);
  // Two processes read (and rewrite the run's summary) while a third appends out of order.
  const readers = [1, 2].map(() =>
    child("tests/fixtures/latest_reader.ts", s.dir, s.runId, "loss")
  );
  let writing = true;
  const writer = child("tests/fixtures/latest_writer.ts", s.dir, s.runId, "loss", "2990", "2000")
    .finally(() => writing = false);
  let polls = 0;
  while (writing) {
    const value = await latest(reader, s.runId); // never a failure, whatever is half-written
    assert.equal(typeof value, "number");
    polls++;
    await new Promise((r) => setTimeout(r, 2));
  }
  const logged = JSON.parse(await writer) as [number, number, number][];
  assert.ok(logged.some(([, , step], i) => i > 0 && step < logged[i - 1][2]), "steps went back");
  writeFileSync(join(s.dir, "done"), "");
  const truth = s.truth();
  assert.notEqual(truth, 1 / 3000, "the writer's points moved the latest");
  assert.equal(await latest(reader, s.runId), truth, `after ${polls} polls`);
  assert.equal(await latest(new FileBackend(s.dir), s.runId), truth, "a fresh reader");
  for (const out of await Promise.all(readers)) assert.equal(JSON.parse(out).value, truth);
  const [found] = await new FileBackend(s.dir).searchRuns({ experimentIds: ["0"] });
  assert.equal(found.data.metrics.loss, truth, "searchRuns");
  assert.ok(JSON.parse(readFileSync(join(s.dir, "0", s.runId, LATEST_FILE), "utf8")).loss);
});

test("a torn last line is no point until its newline is written, then it is the latest", async () => {
  using s = await storeWithRun();
  const reader = new FileBackend(s.dir);
  assert.equal(await latest(reader, s.runId), 1 / 3000);
  appendFileSync(s.file, "1000000009999 12345.5 99");
  assert.equal(await latest(reader, s.runId), 1 / 3000, "half a line is not read");
  assert.equal(await latest(new FileBackend(s.dir), s.runId), 1 / 3000);
  appendFileSync(s.file, "999\n");
  assert.equal(await latest(reader, s.runId), 12345.5, "the whole line, step 99999");
  assert.equal(await latest(new FileBackend(s.dir), s.runId), 12345.5);
});

test("a metric file that shrank, was replaced or rewritten is read whole again, never from a stale summary", async () => {
  using s = await storeWithRun();
  const reader = new FileBackend(s.dir);
  const fresh = () => latest(new FileBackend(s.dir), s.runId);
  assert.equal(await latest(reader, s.runId), 1 / 3000);
  const lines = readFileSync(s.file, "utf8").split("\n");
  // Shrank: the last 1000 lines gone.
  truncateSync(s.file, lines.slice(0, 2000).join("\n").length + 1);
  assert.equal(await latest(reader, s.runId), 1 / 2000);
  assert.equal(await fresh(), 1 / 2000);
  // Rewritten in place at the same size: other values.
  await new Promise((r) => setTimeout(r, 5)); // another mtime
  const kept = lines.slice(0, 2000).join("\n") + "\n";
  assert.match(kept, / 0\.0005 1999\n$/);
  writeFileSync(s.file, kept.replace(/ 0\.0005 1999\n$/, " 0.0009 1999\n"));
  assert.equal(await latest(reader, s.runId), 0.0009);
  assert.equal(await fresh(), 0.0009);
  // Replaced by rename with a longer file whose lines are all new.
  const other = Array.from({ length: 4000 }, (_, i) => `${2e12 + i} ${i % 3} ${i % 2000}`);
  writeFileSync(`${s.file}.new`, other.join("\n") + "\n");
  renameSync(`${s.file}.new`, s.file);
  assert.equal(await latest(reader, s.runId), mlflowLatest(other.join("\n") + "\n"));
  assert.equal(await fresh(), s.truth());
  // Longer again, but the line before the old end was edited: not an append.
  const edited = other.slice(0, -1).join("\n") + `\n${3e12} 7 1999\n${3e12 + 1} 5 10\n`;
  writeFileSync(s.file, edited);
  assert.equal(await latest(reader, s.runId), 7);
  assert.equal(await fresh(), 7);
});

test("at one step and one timestamp the latest is the largest value, as MLflow's FileStore reports", async () => {
  for (const before of [0, 3000]) { // a small file, and one read through its summary
    using s = await storeWithRun(before);
    const dir = join(s.dir, "0", s.runId, "metrics");
    const tie = "5000000000000 0.3 9999\n5000000000000 0.7 9999\n5000000000000 0.5 9999\n" +
      "5000000000000 NaN 9999\n";
    if (before > 0) await latest(new FileBackend(s.dir), s.runId); // a summary first
    appendFileSync(join(dir, "loss"), tie);
    assert.equal(await latest(new FileBackend(s.dir), s.runId), 0.7, `after ${before} points`);
    assert.equal(s.truth(), 0.7);
  }
});
