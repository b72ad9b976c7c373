import assert from "node:assert/strict";
import { TrackingClient as TrackingClientCtor, ValidationError } from "../mod.ts";
import { setup } from "./helpers.ts";
import { test } from "./harness.ts";

test("invalid keys are refused at the call, before any request", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  const sent = t.server.requests.length;
  const bad = [
    "",
    "a//b",
    "/lead",
    "trail/",
    "./x",
    "a/../b",
    "..",
    ".",
    "bad!char",
    "emoji😀",
    "tab\tkey",
    "x".repeat(251),
  ];
  for (const key of bad) {
    assert.throws(
      () => run.logMetric(key, 1),
      ValidationError,
      `metric key ${JSON.stringify(key)}`,
    );
    assert.throws(() => run.logParam(key, 1), ValidationError, `param key ${JSON.stringify(key)}`);
    assert.throws(() => run.setTag(key, "v"), ValidationError, `tag key ${JSON.stringify(key)}`);
  }
  await t.client.flush();
  assert.equal(t.server.requests.length, sent, "nothing was sent");
  assert.equal(t.client.pending, 0, "nothing was queued");
  await run.end();
});

test("keys MLflow accepts pass: slashes, dots, dashes, spaces, colons, letters of any script", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  const good = [
    "loss",
    "val/loss",
    "a.b-c_d",
    "with space",
    "ns:metric",
    "x".repeat(250),
    "损失",
    "é",
    "κλειδί/Ünïcode_²",
    "損".repeat(250),
  ];
  for (const key of good) run.logMetric(key, 1);
  await run.end();
  const got = await t.client.getRun(run.runId);
  assert.deepEqual(Object.keys(got.data.metrics).sort(), [...good].sort());
});

test("metric values must be numbers; steps and timestamps integers", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  for (const value of ["1", true, null, undefined, 1n, {}]) {
    assert.throws(
      () => run.logMetric("m", value as unknown as number),
      (e) => e instanceof ValidationError && /metric 'm' must be a number/.test(e.message),
    );
  }
  for (const step of [1.5, NaN, Infinity, "2", 2 ** 60]) {
    assert.throws(() => run.logMetric("m", 1, { step: step as number }), /step must be an integer/);
  }
  assert.throws(() => run.logMetric("m", 1, { timestamp: 1.5 }), /timestamp/);
  assert.throws(() => run.logMetrics({ ok: 1, bad: "x" as unknown as number }), ValidationError);
  assert.equal(t.client.pending, 0, "logMetrics queues nothing when one value is bad");
  run.logMetric("m", 1, { step: -3 });
  await run.end();
});

test("values over MLflow's limits are refused with the size and the limit", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  run.logParam("ok", "p".repeat(6000));
  // MLflow counts characters as Python does (code points): 6000 emoji are 12000 UTF-16 units.
  run.logParam("emoji", "😀".repeat(6000));
  assert.throws(() => run.logParam("emoji2", "😀".repeat(6001)), /6001 characters/);
  run.setTag("emoji", "😀".repeat(8000));
  assert.throws(() => run.logParam("big", "p".repeat(6001)), /6001 characters; MLflow allows 6000/);
  run.setTag("ok", "t".repeat(8000));
  assert.throws(() => run.setTag("big", "t".repeat(8001)), /8001 characters; MLflow allows 8000/);
  assert.throws(() => run.setTag("n", 5 as unknown as string), /must be a string/);
  assert.throws(() => run.logParam("u", undefined), /no value/);
  await run.end();
});

test("bad client options are named without echoing their values", () => {
  assert.throws(
    () => new TrackingClientCtor({ apiHost: "ftp://x", apiKey: "sekrit" }),
    (e) => e instanceof ValidationError && /apiHost/.test(e.message) && !/sekrit/.test(e.message),
  );
  assert.throws(
    () => new TrackingClientCtor({ apiHost: "http://x", timeoutMs: -1 }),
    /timeoutMs/,
  );
  assert.throws(
    () => new TrackingClientCtor({ apiHost: "http://x", bogus: 1 } as never),
    /bogus|options/,
  );
  assert.throws(
    () => new TrackingClientCtor({ apiHost: "http://user:pw@x" }),
    /credentials/,
  );
});
