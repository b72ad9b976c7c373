import assert from "node:assert/strict";
import { NotFoundError, ParamConflictError, TrackingError, ValidationError } from "../mod.ts";
import { setup } from "./helpers.ts";
import { test } from "./harness.ts";

test("startRun creates a RUNNING run with MLflow's reserved tags", async () => {
  await using t = await setup();
  await t.client.setExperiment("runs");
  const run = await t.client.startRun({
    runName: "baseline",
    tags: ["baseline"],
    description: "first try",
  });
  assert.equal(run.info.status, "RUNNING");
  assert.equal(run.info.runName, "baseline");
  assert.equal(run.info.experimentId, t.client.experimentId);
  assert.equal(t.client.activeRun(), run);
  const { data } = await t.client.getRun(run.runId);
  assert.equal(data.tags["mlflow.runName"], "baseline");
  assert.equal(data.tags["mlflow.source.type"], "LOCAL");
  assert.match(data.tags["mlflow.source.name"] ?? "", /\.ts$/);
  assert.equal(typeof data.tags["mlflow.user"], "string");
  assert.match(data.tags["mlflow.source.git.commit"] ?? "", /^[0-9a-f]{40}$/);
  assert.equal(data.tags["mlflow.note.content"], "first try");
  assert.equal(data.tags["baseline"], "_OI_USER_TAG");
});

test("await using ends the run FINISHED with an end time", async () => {
  await using t = await setup();
  let runId = "";
  {
    await using run = await t.client.startRun();
    runId = run.runId;
    run.logMetric("m", 1);
  }
  const got = await t.client.getRun(runId);
  assert.equal(got.info.status, "FINISHED");
  assert.ok(got.info.endTime !== undefined && got.info.endTime >= got.info.startTime);
  assert.deepEqual(got.data.metrics, { m: 1 });
  assert.equal(t.client.activeRun(), undefined);
  assert.equal(t.client.lastActiveRun()?.runId, runId);
});

test("withRun ends FAILED, tags the error and rethrows the very same error", async () => {
  await using t = await setup();
  const boom = new RangeError("diverged");
  let runId = "";
  const thrown = await t.client.withRun({ runName: "bad" }, (run) => {
    runId = run.runId;
    run.logMetric("loss", Infinity);
    throw boom;
  }).catch((e) => e);
  assert.equal(thrown, boom);
  const got = await t.client.getRun(runId);
  assert.equal(got.info.status, "FAILED");
  assert.equal(got.data.tags["error.type"], "RangeError");
  assert.equal(got.data.tags["error.message"], "diverged");
  assert.equal(got.data.metrics.loss, Number.MAX_VALUE, "MLflow keeps Infinity as MAX_VALUE");
});

test("withRun resolves to the work's value and ends FINISHED", async () => {
  await using t = await setup();
  const value = await t.client.withRun({}, async (run) => {
    await Promise.resolve();
    run.logParam("k", "v");
    return 42;
  });
  assert.equal(value, 42);
  const last = t.client.lastActiveRun()!;
  assert.equal((await t.client.getRun(last.runId)).info.status, "FINISHED");
});

test("endRun takes FINISHED, FAILED or KILLED and rejects anything else", async () => {
  await using t = await setup();
  for (const status of ["FINISHED", "FAILED", "KILLED"] as const) {
    const run = await t.client.startRun();
    await t.client.endRun(status);
    assert.equal((await t.client.getRun(run.runId)).info.status, status);
    assert.equal(run.info.status, status);
  }
  const run = await t.client.startRun();
  // @ts-expect-error: a status a run cannot end with
  assert.throws(() => run.end("RUNNING"), ValidationError);
  await run.end();
  await t.client.endRun(); // with no active run it does nothing, as in Python
});

test("a second startRun throws unless nested; nested runs are children", async () => {
  await using t = await setup();
  const parent = await t.client.startRun({ runName: "parent" });
  await assert.rejects(t.client.startRun(), /already active/);
  const child = await t.client.startRun({ runName: "child", nested: true });
  assert.equal(t.client.activeRun(), child);
  t.client.logMetric("inner", 1);
  await t.client.endRun();
  assert.equal(t.client.activeRun(), parent);
  const got = await t.client.getRun(child.runId);
  assert.equal(got.data.tags["mlflow.parentRunId"], parent.runId);
  assert.deepEqual(got.data.metrics, { inner: 1 });
  await t.client.endRun();
});

test("startRun with an existing runName continues that run, as the Python v2 client", async () => {
  await using t = await setup();
  await t.client.setExperiment("resume");
  const first = await t.client.startRun({ runName: "daily" });
  t.client.logParam("lr", 0.1);
  t.client.logMetric("loss", 0.9, { step: 0 });
  await t.client.endRun();
  const again = await t.client.startRun({ runName: "daily", tags: { attempt: "2" } });
  assert.equal(again.runId, first.runId);
  assert.equal(again.info.status, "RUNNING");
  assert.equal(again.info.endTime, undefined);
  t.client.logParam("lr", 0.1); // same value: skipped, not an error
  assert.throws(() => t.client.logParam("lr", 0.2), ParamConflictError);
  t.client.logMetric("loss", 0.5, { step: 1 });
  await t.client.endRun();
  const got = await t.client.getRun(first.runId);
  assert.equal(got.data.tags.attempt, "2");
  const history = await t.client.getMetricHistory(first.runId, "loss");
  assert.deepEqual(history.map((p) => [p.step, p.value]), [[0, 0.9], [1, 0.5]]);
  const runs = await t.client.searchRuns();
  assert.equal(runs.length, 1, "no second run was created");
});

test("resume by name picks the newest active run of that name in the active experiment", async () => {
  await using t = await setup();
  await t.client.setExperiment("one");
  const old = await t.client.startRun({ runName: "same" });
  await t.client.endRun();
  await new Promise((r) => setTimeout(r, 5));
  const store = t.server.store();
  const newer = store.createRun({
    experiment_id: t.client.experimentId,
    run_name: "same",
    start_time: Date.now() + 10,
  }) as { run: { info: { run_id: string } } };
  const resumed = await t.client.startRun({ runName: "same" });
  assert.equal(resumed.runId, newer.run.info.run_id);
  assert.notEqual(resumed.runId, old.runId);
  await t.client.endRun();
  await t.client.setExperiment("two");
  const fresh = await t.client.startRun({ runName: "same" });
  assert.notEqual(fresh.runId, old.runId, "other experiment: a new run");
  await t.client.endRun();
});

test("startRun({ runId }) re-attaches; the active experiment stays as it was", async () => {
  await using t = await setup();
  const x = await t.client.setExperiment("x");
  const run = await t.client.startRun();
  await t.client.endRun("KILLED");
  const y = await t.client.setExperiment("y");
  const back = await t.client.startRun({ runId: run.runId });
  assert.equal(back.runId, run.runId);
  assert.equal(back.info.experimentId, x.experimentId);
  assert.equal(t.client.experimentId, y.experimentId);
  assert.equal((await t.client.getRun(run.runId)).info.status, "RUNNING");
  await t.client.endRun();
  const err = await t.client.startRun({ runId: "0123456789abcdef" }).catch((e) => e);
  assert.ok(err instanceof NotFoundError);
});

test("a deleted run cannot be resumed by id", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  await t.client.endRun();
  t.server.store().deleteRun({ run_id: run.runId });
  const err = await t.client.startRun({ runId: run.runId }).catch((e) => e);
  assert.ok(err instanceof TrackingError);
  assert.match(err.message, /deleted/);
});

test("searchRuns filters, orders and follows pages", async () => {
  await using t = await setup();
  await t.client.setExperiment("search");
  for (let i = 0; i < 3; i++) {
    await t.client.withRun({ runName: `r${i}` }, (run) => {
      run.logParam("seed", i);
      run.logMetric("acc", i / 10);
    });
  }
  const best = await t.client.searchRuns({ orderBy: ["metrics.acc DESC"], maxResults: 1 });
  assert.equal(best[0].info.runName, "r2");
  const seeded = await t.client.searchRuns({ filter: "params.seed = '1'" });
  assert.deepEqual(seeded.map((r) => r.info.runName), ["r1"]);
  const store = t.server.store();
  for (let i = 0; i < 1500; i++) store.createRun({ experiment_id: t.client.experimentId });
  const all = await t.client.searchRuns();
  assert.equal(all.length, 1503);
  assert.equal(new Set(all.map((r) => r.info.runId)).size, 1503, "no page read twice");
});

test("getMetricHistory reads every page, in step order, with NaN and infinities", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  const n = 30_000;
  for (let step = n - 1; step >= 0; step--) run.logMetric("x", step, { step });
  run.logMetric("odd", NaN, { step: 0 });
  run.logMetric("odd", -Infinity, { step: 1 });
  const history = await t.client.getMetricHistory(run.runId, "x");
  assert.equal(history.length, n);
  assert.ok(t.server.count("metrics/get-history") >= 2, "paged");
  assert.ok(history.every((p, i) => p.step === i && p.value === i && p.key === "x"));
  const odd = await t.client.getMetricHistory(run.runId, "odd");
  assert.ok(Number.isNaN(odd[0].value));
  assert.equal(odd[1].value, -Number.MAX_VALUE, "MLflow keeps -Infinity as -MAX_VALUE");
  await run.end();
});

test("OICM needs an experiment (with a workspace) before a run", async () => {
  await using t = await setup({ oicm: true });
  await assert.rejects(t.client.startRun(), /setExperiment/);
  await assert.rejects(t.client.setExperiment("e"), /workspace/);
  assert.equal(t.server.requests.length, 0);
});

test("on plain MLflow a run without setExperiment goes to the Default experiment", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  assert.equal(run.info.experimentId, "0");
  await run.end();
});
