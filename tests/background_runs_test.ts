import assert from "node:assert/strict";
import { DeliveryError, TrackingClient, ValidationError } from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { setup } from "./helpers.ts";
import { test } from "./harness.ts";

test("openRun returns at once; records logged before the run exists are delivered", async () => {
  await using t = await setup();
  t.server.faults.latency(30);
  const run = t.client.openRun({ runName: "bg" });
  assert.equal(run.created, false);
  assert.throws(() => run.runId, /await run.ready/);
  run.logParam("p", 1);
  run.logMetric("m", 2, { step: 3 });
  const info = await run.ready;
  assert.equal(run.runId, info.runId);
  await run.end();
  const got = await t.client.getRun(info.runId);
  assert.deepEqual(got.data.params, { p: "1" });
  assert.deepEqual(got.data.metrics, { m: 2 });
  assert.equal(got.info.status, "FINISHED");
  assert.equal(t.client.activeRun(), undefined, "an opened run is not the active run");
});

test("openRun checks its options before any request", async () => {
  await using t = await setup();
  assert.throws(() => t.client.openRun({ runName: "" }), ValidationError);
  assert.throws(() => t.client.openRun({ tags: { "bad//key": "x" } }), ValidationError);
  assert.throws(() => t.client.openRun({ experimentName: "" }), ValidationError);
  assert.equal(t.server.requests.length, 0);
});

test("flush() waits for runs created and ended in the background", async () => {
  await using t = await setup();
  t.server.faults.latency(20);
  const run = t.client.openRun({ experimentName: "elsewhere" });
  run.logMetric("m", 1);
  void run.endDetached("KILLED");
  await t.client.flush();
  const [stored] = [...t.server.store().runs.values()];
  assert.equal(stored.info.status, "KILLED");
  assert.equal(stored.latest.get("m")?.value, 1);
  assert.equal(t.client.experimentId, undefined, "active experiment untouched");
});

test("a run that cannot be created: records reported undelivered, flush rejects, no crash", async () => {
  const seen: DeliveryError[] = [];
  const server = new FakeMlflowServer();
  const client = new TrackingClient({
    apiHost: "http://fake",
    fetch: server.fetch,
    retry: { maxRetries: 0 },
    onError: (e) => seen.push(e),
  });
  server.faults.failNext(1, 500, { route: "runs/create" });
  const run = client.openRun();
  run.logMetric("a", 1);
  run.logMetric("b", 2);
  await assert.rejects(run.ready);
  void run.endDetached();
  const err = await client.flush().catch((e) => e);
  assert.ok(err instanceof DeliveryError);
  assert.equal(err.undelivered, 2);
  assert.equal(seen.length, 1, "told once");
  await client.flush(); // reported once, then clear
  await client.close();
});

test("close() ends runs opened in the background and never ended as KILLED", async () => {
  await using t = await setup();
  const run = t.client.openRun();
  const started = await t.client.startRun();
  await t.client.close();
  const info = await run.ready;
  const store = t.server.store();
  assert.equal(store.runs.get(info.runId)?.info.status, "KILLED");
  assert.equal(store.runs.get(started.runId)?.info.status, "FINISHED");
});

test("resume: false makes a new run even when the name exists", async () => {
  await using t = await setup();
  const a = await t.client.startRun({ runName: "same" });
  await a.end();
  const b = await t.client.startRun({ runName: "same", resume: false });
  assert.notEqual(a.runId, b.runId);
  await b.end();
});
