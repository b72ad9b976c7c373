import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { TrackingClient } from "../mod.ts";
import { sparkline } from "../src/cli.ts";
import { buckets } from "../src/cli/sparkline.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { cli as capture } from "./cli_capture.ts";
import { test } from "./harness.ts";

async function store() {
  const dir = mkdtempSync(join(tmpdir(), "cli-"));
  const client = new TrackingClient({ offline: true, storagePath: dir });
  await client.setExperiment("cli-exp");
  const run = await client.startRun({ runName: "trained", tags: { note: "hi" } });
  run.logParams({ lr: 0.01, epochs: 5 });
  for (let s = 0; s < 5; s++) run.logMetric("loss", 1 / (s + 1), { step: s });
  await run.end();
  await client.close();
  return { dir, run, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

test("cli runs: per experiment, runs with status, start time, duration, metrics and params", async () => {
  using s = await store();
  const { code, out } = await capture(["runs", "--store", s.dir]);
  assert.equal(code, 0);
  const lines = out.split("\n");
  assert.equal(lines[0], "cli-exp (1 run)");
  assert.match(
    lines[1],
    /^ {2}RUN\s+ID\s+STATUS\s+STARTED\s+TOOK\s+METRICS\s+PARAMS$/,
  );
  assert.match(
    lines[2],
    /^ {2}trained\s+\w{8}\s+FINISHED\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+\d+m?s\s+loss=0.2\s+epochs=5 lr=0.01$/,
  );
  for (const line of lines) {
    assert.ok([...line].length <= 100, `over 100 columns: ${line}`);
  }
});

test("cli runs fits 100 columns, cutting long values with an ellipsis", async () => {
  using s = await store();
  const client = new TrackingClient({ offline: true, storagePath: s.dir });
  await client.setExperiment("a rather long experiment name for the table");
  const run = await client.startRun({
    runName: "a-run-name-that-goes-on-and-on-and-on",
  });
  run.logParams({
    optimizer: "adam-with-a-very-long-description",
    schedule: "cosine",
    lr: 0.1,
  });
  for (const k of ["loss", "val_loss", "accuracy", "val_accuracy", "f1"]) {
    run.logMetric(k, 0.5);
  }
  await run.end();
  await client.close();
  const { out } = await capture(["runs", "--store", s.dir]);
  for (const line of out.split("\n")) {
    assert.ok([...line].length <= 100, `over 100: ${line}`);
  }
  assert.match(out, /…/);
});

test("cli show: experiment name, and last, min, max and best step per metric", async () => {
  using s = await store();
  for (const id of [s.run.runId, s.run.runId.slice(0, 8)]) {
    const { code, out } = await capture(["show", id, "--store", s.dir]);
    assert.equal(code, 0);
    assert.match(out, /run trained/);
    assert.match(out, /experiment cli-exp, FINISHED, started \d{4}-\d\d-\d\d/);
    assert.match(out, /lr = 0\.01/);
    assert.match(out, /note = hi/);
    assert.match(
      out,
      /METRIC\s+HISTORY\s+LAST\s+MIN\s+MAX\s+BEST \(STEP\)\s+POINTS/,
    );
    assert.match(out, /loss\s+█▄▂▁▁\s+0\.2\s+0\.2\s+1\s+0\.2 @4\s+5 points/);
  }
});

test("cli show: one point reads '1 point'; a loss falling by orders of magnitude is drawn on a log scale", async () => {
  using s = await store();
  const client = new TrackingClient({ offline: true, storagePath: s.dir });
  const run = await client.startRun({ runName: "decay" });
  for (let step = 0; step < 6; step++) {
    run.logMetric("loss", 10 ** -step, { step });
  }
  run.logMetric("acc", 0.9);
  await run.end();
  await client.close();
  const { out } = await capture(["show", run.runId, "--store", s.dir]);
  assert.match(out, /acc\s+▄\s+0\.9 .* 1 point$/m);
  // Evenly spaced bars on a log scale; a linear scale would show one tall bar then nothing.
  assert.match(
    out,
    /loss\s+█▇▅▄▂▁ log\s+1\.00e-5\s+1\.00e-5\s+1\s+1\.00e-5 @5\s+6 points/,
  );
});

test("sparklines summarise every point: each column is the mean of its bucket", () => {
  assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), "▁▂▃▄▅▆▇█");
  assert.equal(sparkline([1, NaN, 1]), "▄ ▄");
  assert.equal(
    sparkline(Array.from({ length: 1000 }, (_, i) => i), 10).length,
    10,
  );
  // A spike in a long run is not skipped by sampling: its bucket's mean rises.
  const flat = Array.from({ length: 1000 }, (_, i) => (i === 555 ? 1000 : 1));
  assert.equal(sparkline(flat, 10), "▁▁▁▁▁█▁▁▁▁");
  assert.deepEqual(buckets([1, 2, 3, 4, 5, 6], 3), [1.5, 3.5, 5.5]);
});

test("cli sync uploads to a server; a second run sends nothing", async () => {
  using s = await store();
  const server = new FakeMlflowServer();
  const { url } = await server.listen();
  try {
    const first = await capture(["sync", s.dir, "--to", url]);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /synced 1 run\(s\) to .*: 1 created, 5 points/);
    const second = await capture(["sync", s.dir, "--to", url]);
    assert.equal(second.out, `nothing to send: 1 run(s) already on ${url}, up to date`);
    const [remote] = server.store().runs.values();
    assert.equal(remote.history.get("loss")?.length, 5);
  } finally {
    await server.close();
  }
});

test("cli errors are clear: missing store, corrupt store, bad usage, missing --to", async () => {
  const missing = await capture(["runs", "--store", "/nonexistent/store"]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /no store at \/nonexistent\/store/);
  using s = await store();
  const notStore = mkdtempSync(join(tmpdir(), "cli-empty-"));
  const empty = await capture(["runs", "--store", notStore]);
  assert.match(empty.err, /not an MLflow FileStore/);
  rmSync(notStore, { recursive: true });
  writeFileSync(join(s.dir, "0", "meta.yaml"), ":::");
  const corrupt = await capture(["runs", "--store", s.dir]);
  assert.equal(corrupt.code, 1);
  assert.match(corrupt.err, /corrupt/);
  assert.equal((await capture(["frobnicate"])).code, 2);
  assert.match((await capture(["sync", s.dir])).err, /--to/);
});

test("cli sync: --api-key=VALUE keeps every '=', warns about shell history, never prints the key", async () => {
  using s = await store();
  const key = "c2VjcmV0LWtleQ==";
  const server = new FakeMlflowServer({ apiKey: key });
  const { url } = await server.listen();
  try {
    const res = await capture(["sync", s.dir, "--to", url, `--api-key=${key}`]);
    assert.equal(res.code, 0, res.err);
    assert.match(res.out, /1 created, 5 points/);
    assert.match(res.err, /shell history/);
    assert.ok(!`${res.out}${res.err}`.includes(key), "the key was printed");
    const wrong = await capture(["sync", s.dir, "--to", url, "--api-key", `${key}x`]);
    assert.equal(wrong.code, 1);
    assert.ok(!wrong.err.includes(`${key}x`), wrong.err);
  } finally {
    await server.close();
  }
});

test("cli sync to OICM names the missing flag or variable", async () => {
  using s = await store();
  const noWs = await capture(["sync", s.dir, "--to", "https://oicm.example/api/tracking"]);
  assert.equal(noWs.code, 1);
  assert.match(noWs.err, /--workspace/);
  const old = process.env.OICM_TRACKING_API_KEY;
  delete process.env.OICM_TRACKING_API_KEY;
  try {
    const noKey = await capture([
      "sync",
      s.dir,
      "--to",
      "https://oicm.example/api/tracking",
      "--workspace",
      "ws",
    ]);
    assert.match(noKey.err, /OICM_TRACKING_API_KEY/);
  } finally {
    if (old !== undefined) process.env.OICM_TRACKING_API_KEY = old;
  }
});

test("cli sync checks the server still has each synced run: a reset server gets them again", async () => {
  using s = await store();
  const first = new FakeMlflowServer();
  const { url, port } = await first.listen();
  try {
    assert.equal((await capture(["sync", s.dir, "--to", url])).code, 0);
  } finally {
    await first.close();
  }
  const reset = new FakeMlflowServer(); // same address, nothing stored
  await reset.listen({ port });
  try {
    const again = await capture(["sync", s.dir, "--to", url]);
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /1 created, 5 points/);
    const [remote] = reset.store().runs.values();
    assert.equal(remote.history.get("loss")?.length, 5);
    const forced = await capture(["sync", "--force", s.dir, "--to", url]);
    assert.match(forced.out, /1 created, 5 points/);
    assert.equal(reset.store().runs.size, 2, "--force sends the run again, as a new run");
  } finally {
    await reset.close();
  }
});

test("cli show lists the run's artifact files and datasets; cli artifacts lists one level", async () => {
  using s = await store();
  const client = new TrackingClient({ offline: true, storagePath: s.dir });
  const run = await client.startRun({ runId: s.run.runId });
  await run.logText("x".repeat(5000), "model/weights.txt");
  await run.logDict({ a: 1 }, "eval/report.json");
  await run.logInput({
    name: "mnist",
    digest: "d1",
    source: "s3://data/mnist",
    context: "training",
  });
  await run.end();
  await client.close();
  const { code, out } = await capture(["show", s.run.runId, "--store", s.dir]);
  assert.equal(code, 0);
  assert.match(out, /datasets:\n {2}mnist \(d1\), training: s3:\/\/data\/mnist/);
  assert.match(
    out,
    /artifacts:\n {2}PATH\s+SIZE\n {2}eval\/report.json\s+12 B\n {2}model\/weights.txt\s+4\.9 KiB/,
  );

  const top = await capture(["artifacts", s.run.runId.slice(0, 8), "--store", s.dir]);
  assert.equal(top.code, 0);
  assert.deepEqual(top.out.split("\n").map((l) => l.trim().split(/\s+/)), [
    ["PATH", "SIZE"],
    ["eval/"],
    ["model/"],
  ]);
  const below = await capture(["artifacts", s.run.runId, "model", "--store", s.dir]);
  assert.match(below.out, /model\/weights.txt\s+4\.9 KiB/);
  const none = await capture(["artifacts", s.run.runId, "nope", "--store", s.dir]);
  assert.equal(none.out, "nothing below nope");
});

test("cli runs: TOOK shows milliseconds for a sub-second run (it read 0s)", async () => {
  using s = await store();
  const { out } = await capture(["runs", "--store", s.dir]);
  assert.match(out.split("\n")[2], /\s\d{1,3}ms\s/);
});

test("cli show: BEST only for metrics with a direction; metrics with a history listed first", async () => {
  using s = await store();
  const client = new TrackingClient({ offline: true, storagePath: s.dir });
  const run = await client.startRun({ runName: "directions" });
  for (let step = 0; step < 4; step++) {
    run.logMetrics({ loss: 1 / (step + 1), "val/acc": step / 4, "eval/samples": 100 * step }, {
      step,
    });
  }
  run.logMetrics({ final_b: 0.5, accuracy: 0.9 });
  await run.end();
  await client.close();
  const { out } = await capture(["show", run.runId, "--store", s.dir]);
  const metricRows = out.split("\n").slice(out.split("\n").findIndex((l) => /METRIC/.test(l)) + 1)
    .map((l) => l.trim().split(/\s+/));
  assert.deepEqual(metricRows.map((r) => r[0]), [
    "eval/samples",
    "loss",
    "val/acc",
    "accuracy",
    "final_b",
  ]);
  const best = (key: string) => out.split("\n").find((l) => l.trim().startsWith(`${key} `))!;
  assert.match(best("eval/samples"), /300\s+-\s+4 points/, "a count has no best");
  assert.match(best("final_b"), /0\.5\s+-\s+1 point/);
  assert.match(best("loss"), /0\.25 @3/);
  assert.match(best("val/acc"), /0\.75 @3/);
  assert.match(best("accuracy"), /0\.9 @0/);
});

test("cli sync counts the tags that arrived with each new run (it said 0 tags)", async () => {
  using s = await store();
  const server = new FakeMlflowServer();
  const { url } = await server.listen();
  try {
    const { out } = await capture(["sync", s.dir, "--to", url]);
    const [remote] = server.store().runs.values();
    assert.equal(remote.tags.get("note"), "hi", "the tag arrived");
    const reported = Number(/(\d+) tags/.exec(out)?.[1]);
    assert.ok(reported >= 1, out);
  } finally {
    await server.close();
  }
});

test("cli sync to a plain MLflow server does not send the OICM key (it sent Bearer <OICM key>)", async () => {
  using s = await store();
  const server = new FakeMlflowServer();
  const { url } = await server.listen();
  const saved = process.env.OICM_TRACKING_API_KEY;
  process.env.OICM_TRACKING_API_KEY = "oicm-secret-key";
  try {
    const { code, err } = await capture(["sync", s.dir, "--to", url]);
    assert.equal(code, 0, err);
    assert.ok(server.requests.length > 0);
    for (const r of server.requests) {
      assert.equal(r.headers.authorization, undefined, `${r.route} got a key`);
    }
  } finally {
    if (saved === undefined) delete process.env.OICM_TRACKING_API_KEY;
    else process.env.OICM_TRACKING_API_KEY = saved;
    await server.close();
  }
});
