import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AlreadyExistsError,
  NotFoundError,
  ParamConflictError,
  TrackingClient,
  ValidationError,
} from "../mod.ts";
import { FileBackend } from "../src/store/file_backend.ts";
import { test } from "./harness.ts";

function offline(): { client: TrackingClient; dir: string } & AsyncDisposable {
  const dir = mkdtempSync(join(tmpdir(), "mlruns-"));
  const client = new TrackingClient({ offline: true, storagePath: dir, flushIntervalMs: 10 });
  return {
    client,
    dir,
    async [Symbol.asyncDispose]() {
      await client.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test("offline: experiments and runs land in MLflow's FileStore layout", async () => {
  await using t = offline();
  assert.equal(t.client.serverKind, "offline");
  const exp = await t.client.setExperiment("local", { tags: ["laptop"] });
  const run = await t.client.startRun({ runName: "r1", tags: { team: "ml" } });
  run.logParam("lr", 0.01);
  run.logMetric("val/loss", 0.5, { step: 0, timestamp: 1000 });
  run.logMetric("val/loss", NaN, { step: 1, timestamp: 2000 });
  await run.end("FINISHED");
  const runDir = join(t.dir, exp.experimentId, run.runId);
  assert.equal(
    readFileSync(join(runDir, "metrics", "val", "loss"), "utf8"),
    "1000 0.5 0\n2000 NaN 1\n",
  );
  assert.equal(readFileSync(join(runDir, "params", "lr"), "utf8"), "0.01");
  assert.equal(readFileSync(join(runDir, "tags", "team"), "utf8"), "ml");
  const meta = readFileSync(join(runDir, "meta.yaml"), "utf8");
  assert.match(meta, /^status: 3$/m, "FINISHED is 3");
  assert.match(meta, /^run_name: r1$/m);
  assert.match(meta, /^end_time: \d+$/m);
  assert.match(readFileSync(join(t.dir, "0", "meta.yaml"), "utf8"), /^name: Default$/m);
  assert.equal(
    readFileSync(join(t.dir, exp.experimentId, "tags", "laptop"), "utf8"),
    "_OI_USER_TAG",
  );
});

test("offline: every read works: getRun, history, search, lookups", async () => {
  await using t = offline();
  await t.client.setExperiment("reads");
  for (let i = 0; i < 3; i++) {
    await t.client.withRun({ runName: `r${i}` }, (run) => {
      run.logParam("seed", i);
      for (let s = 0; s < 5; s++) run.logMetric("acc", i + s / 10, { step: s });
    });
  }
  const runs = await t.client.searchRuns({ orderBy: ["metrics.acc DESC"] });
  assert.deepEqual(runs.map((r) => r.info.runName), ["r2", "r1", "r0"]);
  assert.equal(runs[0].data.metrics.acc, 2.4);
  const picked = await t.client.searchRuns({
    filter: "params.seed = '1' AND attributes.status = 'FINISHED'",
  });
  assert.deepEqual(picked.map((r) => r.info.runName), ["r1"]);
  const like = await t.client.searchRuns({
    filter: "attributes.run_name LIKE 'r%' AND tags.`mlflow.runName` != 'r0'",
  });
  assert.equal(like.length, 2);
  const history = await t.client.getMetricHistory(runs[0].info.runId, "acc");
  assert.deepEqual(history.map((p) => p.step), [0, 1, 2, 3, 4]);
  const got = await t.client.getRun(runs[0].info.runId);
  assert.equal(got.info.status, "FINISHED");
  assert.ok(got.info.endTime! >= got.info.startTime);
  assert.equal((await t.client.getExperimentByName("reads"))?.name, "reads");
  assert.equal(await t.client.getExperimentByName("nope"), undefined);
  const names = (await t.client.searchExperiments()).map((e) => e.name);
  assert.deepEqual(names, ["Default", "reads"]);
  await assert.rejects(t.client.getRun("0123456789abcdef0123456789abcdef"), NotFoundError);
});

test("offline: resume by name or id, params immutable, labels, nested runs", async () => {
  await using t = offline();
  await t.client.setExperiment("resume");
  const first = await t.client.startRun({ runName: "daily" });
  t.client.logParam("lr", 0.1);
  await t.client.endRun();
  // A new client on the same store: "continue by name", asked for (offline a name alone makes a
  // new run, as the Python client does).
  const again = new TrackingClient({ offline: true, storagePath: t.dir });
  await again.setExperiment("resume");
  const resumed = await again.startRun({ runName: "daily", resume: true, tags: ["second-try"] });
  assert.equal(resumed.runId, first.runId);
  assert.throws(() => again.logParam("lr", 0.2), ParamConflictError);
  const child = await again.startRun({ nested: true });
  await child.end();
  await again.endRun("KILLED");
  const got = await again.getRun(first.runId);
  assert.equal(got.info.status, "KILLED");
  assert.equal(got.data.tags["second-try"], "_OI_USER_TAG");
  const kid = await again.getRun(child.runId);
  assert.equal(kid.data.tags["mlflow.parentRunId"], first.runId);
  const byId = await again.startRun({ runId: first.runId });
  assert.equal(byId.info.status, "RUNNING");
  await again.close();
});

test("offline: deleting an experiment moves it to .trash and keeps its name taken", async () => {
  await using t = offline();
  const { experimentId: id } = await t.client.createExperiment("gone");
  await assert.rejects(
    new FileBackend(t.dir).createExperiment("gone", {}),
    AlreadyExistsError,
    "the store refuses a second experiment of a name",
  );
  await t.client.deleteExperiment(id);
  const meta = readFileSync(join(t.dir, ".trash", id, "meta.yaml"), "utf8");
  assert.match(meta, /^lifecycle_stage: deleted$/m);
  assert.equal((await t.client.getExperiment(id)).lifecycleStage, "deleted");
  assert.equal((await t.client.searchExperiments()).some((e) => e.name === "gone"), false);
  await assert.rejects(t.client.setExperiment("gone"), /deleted/);
});

test("offline: odd experiment names survive meta.yaml", async () => {
  await using t = offline();
  const names = [
    "yes",
    "with: colon",
    "quote ' and \" too",
    "null",
    "123",
    "007",
    "1e3",
    "ünïcode ✓ 😀",
    " leading and trailing ",
    "# not a comment",
    "a".repeat(300) + " folded? " + "b".repeat(150),
    "two\nlines",
    "- dash",
    "~",
  ];
  for (const name of names) {
    const exp = await t.client.setExperiment(name);
    assert.equal((await t.client.getExperiment(exp.experimentId)).name, name);
  }
});

test("offline: a corrupt meta.yaml is a clear error naming the file", async () => {
  await using t = offline();
  const run = await t.client.startRun();
  await run.end();
  const metaPath = join(t.dir, "0", run.runId, "meta.yaml");
  writeFileSync(metaPath, "this is not yaml at all");
  const err = await t.client.getRun(run.runId).catch((e) => e);
  assert.equal(err.code, "CORRUPT_STORE");
  assert.ok(err.message.includes(metaPath));
});

test("offline: validation still happens before anything is written", async () => {
  await using t = offline();
  const run = await t.client.startRun();
  assert.throws(() => run.logMetric("bad//key", 1), ValidationError);
  await run.end();
});

test("offline, a tag set again while a flush is under way keeps the later value when the queue spills (it kept 'a')", async () => {
  // Spilled before the flushed batch reached the store, and after (while the store writes it).
  const pauses = [undefined, () => null, () => new Promise((r) => setTimeout(r, 0))];
  for (const pause of pauses) {
    const dir = mkdtempSync(join(tmpdir(), "offline-spill-tag-"));
    try {
      const client = new TrackingClient({
        offline: true,
        storagePath: dir,
        maxQueue: 10,
        onNotice: () => {},
      });
      const run = await client.startRun();
      run.setTag("phase", "a");
      const flushed = client.flush(); // 'a' is on its way into the store
      if (pause !== undefined) await pause();
      run.setTag("phase", "b"); // later: past maxQueue it is spilled, written at once
      for (let i = 0; i < 25; i++) run.logMetric("x", i, { step: i });
      await flushed;
      await client.flush();
      const stored = await client.getRun(run.runId);
      assert.equal(stored.data.tags.phase, "b", `the later value wins (${pause})`);
      assert.equal((await client.getMetricHistory(run.runId, "x")).length, 25);
      await client.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
