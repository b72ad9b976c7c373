import assert from "node:assert/strict";
import { ValidationError } from "../mod.ts";
import { setup } from "./helpers.ts";
import { test } from "./harness.ts";

test("params, metrics with steps and tags all arrive on the active run", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  t.client.logParam("lr", 0.001);
  t.client.logParams({ batch: 32, optimizer: { name: "adam", beta: [0.9, 0.99] }, on: true });
  t.client.logMetric("loss", 0.5, { step: 1 });
  t.client.logMetrics({ loss: 0.25, acc: 0.75 }, { step: 2 });
  t.client.setTag("stage", "dev");
  t.client.setRunTags(["nightly"]);
  run.setTags({ owner: "me" });
  const got = await t.client.getRun(run.runId);
  assert.deepEqual(got.data.params, {
    lr: "0.001",
    batch: "32",
    optimizer: '{"name":"adam","beta":[0.9,0.99]}',
    on: "true",
  });
  assert.deepEqual(got.data.metrics, { loss: 0.25, acc: 0.75 });
  assert.equal(got.data.tags.stage, "dev");
  assert.equal(got.data.tags.nightly, "_OI_USER_TAG");
  assert.equal(got.data.tags.owner, "me");
  const loss = await t.client.getMetricHistory(run.runId, "loss");
  assert.deepEqual(loss.map((p) => [p.step, p.value]), [[1, 0.5], [2, 0.25]]);
  await run.end();
});

test("logging calls return at once, before any request", async () => {
  await using t = await setup({ client: { flushIntervalMs: 10_000 } });
  const run = await t.client.startRun();
  const before = t.server.count("runs/log-batch");
  const result = run.logMetric("m", 1);
  assert.equal(result, undefined);
  assert.equal(t.client.pending, 1);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(t.server.count("runs/log-batch"), before, "nothing sent before the interval");
  await t.client.flush();
  assert.equal(t.client.pending, 0);
  assert.equal(t.server.count("runs/log-batch"), before + 1);
  await run.end();
});

test("queued records go out on their own within flushIntervalMs", async () => {
  await using t = await setup({ client: { flushIntervalMs: 30 } });
  const run = await t.client.startRun();
  run.logMetric("m", 1);
  const deadline = Date.now() + 2_000;
  while (t.server.count("runs/log-batch") === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(t.server.count("runs/log-batch"), 1);
  await run.end();
});

test("NaN and ±Infinity are sent as MLflow spells them and read back as numbers", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  run.logMetrics({ nan: NaN, pos: Infinity, neg: -Infinity, zero: -0 });
  await t.client.flush();
  const batch = t.server.requests.find((r) => r.route === "runs/log-batch")!;
  const values = Object.fromEntries(
    (batch.body.metrics as { key: string; value: unknown }[]).map((m) => [m.key, m.value]),
  );
  assert.deepEqual(values, { nan: "NaN", pos: "Infinity", neg: "-Infinity", zero: 0 });
  const got = await t.client.getRun(run.runId);
  assert.ok(Number.isNaN(got.data.metrics.nan));
  // MLflow's SQL store keeps ±Infinity as ±Number.MAX_VALUE (the fake does the same).
  assert.equal(got.data.metrics.pos, Number.MAX_VALUE);
  assert.equal(got.data.metrics.neg, -Number.MAX_VALUE);
  await run.end();
});

test("explicit timestamps are kept; default ones are the logging time", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  const before = Date.now();
  run.logMetric("a", 1);
  run.logMetric("b", 1, { timestamp: 1_600_000_000_000, step: 7 });
  const [a] = await t.client.getMetricHistory(run.runId, "a");
  const [b] = await t.client.getMetricHistory(run.runId, "b");
  assert.ok(a.timestamp >= before && a.timestamp <= Date.now());
  assert.equal(a.step, 0);
  assert.deepEqual(b, { key: "b", value: 1, step: 7, timestamp: 1_600_000_000_000 });
  await run.end();
});

test("a param re-logged with the same value is skipped; another value throws at once", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  run.logParam("seed", 1);
  run.logParam("seed", "1");
  assert.throws(() => run.logParam("seed", 2), (e) => {
    assert.ok(e instanceof ValidationError);
    assert.match(e.message, /param 'seed' of run \w+ is '1'; it cannot change to '2'/);
    return true;
  });
  // A record with one bad entry queues nothing.
  assert.throws(() => run.logParams({ fresh: 1, seed: 3 }), ValidationError);
  await t.client.flush();
  const params = t.server.requests.filter((r) => r.route === "runs/log-batch")
    .flatMap((r) => r.body.params as unknown[]);
  assert.deepEqual(params, [{ key: "seed", value: "1" }]);
  await run.end();
});

test("logging with no active run starts one, as MLflow's fluent API does, and says so", async () => {
  await using t = await setup();
  await t.client.setExperiment("fluent");
  t.client.logMetric("m", 1); // no startRun(): a run is started for it
  t.client.logParam("p", 1);
  const run = t.client.activeRun()!;
  const info = await run.ready;
  assert.equal(info.experimentId, t.client.experimentId);
  await t.client.endRun();
  const got = await t.client.getRun(info.runId);
  assert.deepEqual([got.data.metrics.m, got.data.params.p, got.info.status], [1, "1", "FINISHED"]);
  assert.ok(
    t.notices.some((n) => n.includes(`no active run: logging started run`)),
    t.notices.join("\n"),
  );
  await t.client.endRun(); // no active run: nothing to do, as in Python
});

test("logging on an ended run is a clear error", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  await run.end();
  assert.throws(() => run.logMetric("m", 1), /has ended/);
  assert.throws(() => run.logParam("p", 1), ValidationError);
});

test("a closed client refuses new work", async () => {
  await using t = await setup();
  await t.client.close();
  await assert.rejects(t.client.startRun(), /closed/);
});

test("close() ends every active run and delivers what was queued", async () => {
  await using t = await setup({ client: { flushIntervalMs: 60_000 } });
  const parent = await t.client.startRun();
  const child = await t.client.startRun({ nested: true });
  child.logMetric("m", 3);
  await t.client.close();
  for (const run of [parent, child]) {
    assert.equal(t.server.store().runs.get(run.runId)?.info.status, "FINISHED");
  }
  assert.equal(t.server.store().runs.get(child.runId)?.latest.get("m")?.value, 3);
});
