import assert from "node:assert/strict";
import { TrackingClient } from "../mod.ts";
import { FakeMlflowServer, type RecordedRequest } from "../src/testing/mod.ts";
import { setup } from "./helpers.ts";
import { test } from "./harness.ts";

interface WireMetric {
  key: string;
  value: number;
  step: number;
}

function batches(requests: RecordedRequest[]) {
  return requests.filter((r) => r.route === "runs/log-batch").map((r) => ({
    size: new TextEncoder().encode(JSON.stringify(r.body)).length,
    metrics: r.body.metrics as WireMetric[],
    params: r.body.params as unknown[],
    tags: r.body.tags as unknown[],
  }));
}

test("2,500 metrics and 150 params arrive whole, within limits, steps in order", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  for (let i = 0; i < 150; i++) run.logParam(`p${i}`, i);
  for (let step = 0; step < 2500; step++) run.logMetric("loss", 1 / (step + 1), { step });
  await run.end();
  const sent = batches(t.server.requests);
  for (const b of sent) {
    assert.ok(b.metrics.length <= 1000, "at most 1000 metrics");
    assert.ok(b.params.length <= 100, "at most 100 params");
    assert.ok(b.tags.length <= 100, "at most 100 tags");
    assert.ok(b.metrics.length + b.params.length + b.tags.length <= 1000, "at most 1000 entities");
    assert.ok(b.size < 1_000_000, "under 1 MB");
  }
  // In order within each request; two requests may be in flight, so they can arrive either way.
  for (const b of sent) {
    assert.ok(b.metrics.every((m, i) => i === 0 || m.step > b.metrics[i - 1].step), "ordered");
  }
  const steps = sent.flatMap((b) => b.metrics.map((m) => m.step)).sort((a, b) => a - b);
  assert.deepEqual(steps, Array.from({ length: 2500 }, (_, i) => i), "each step once");
  const got = await t.client.getRun(run.runId);
  assert.equal(Object.keys(got.data.params).length, 150);
  const history = await t.client.getMetricHistory(run.runId, "loss");
  assert.equal(history.length, 2500);
  assert.equal(history[2499].value, 1 / 2500);
});

test("100,000 metrics enqueue without awaiting and arrive in at most 110 requests", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  for (let i = 0; i < 100_000; i++) run.logMetric("m", i, { step: i });
  assert.equal(t.client.pending, 100_000, "all queued synchronously");
  await t.client.flush();
  const sent = batches(t.server.requests);
  assert.ok(sent.length <= 110, `${sent.length} requests`);
  assert.equal(sent.reduce((n, b) => n + b.metrics.length, 0), 100_000);
  assert.equal(t.server.store().runs.get(run.runId)?.history.get("m")?.length, 100_000);
  await run.end();
});

test("large tag values split batches to stay under 1 MB", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  // 100 tags of 8000 characters, plus params of 6000: far over 1 MB in one request.
  for (let i = 0; i < 100; i++) run.setTag(`t${i}`, "x".repeat(8000));
  for (let i = 0; i < 100; i++) run.logParam(`p${i}`, "y".repeat(6000));
  await run.end();
  const sent = batches(t.server.requests);
  assert.ok(sent.length >= 2);
  for (const b of sent) assert.ok(b.size < 1_000_000, `batch of ${b.size} bytes`);
  const got = await t.client.getRun(run.runId);
  assert.equal(Object.keys(got.data.params).length, 100);
  assert.equal(Object.keys(got.data.tags).filter((k) => /^t\d+$/.test(k)).length, 100);
});

test("records of two runs go to their own runs", async () => {
  await using t = await setup();
  const a = await t.client.startRun();
  const b = await t.client.startRun({ nested: true });
  for (let i = 0; i < 1200; i++) {
    a.logMetric("a", i, { step: i });
    b.logMetric("b", i, { step: i });
  }
  await t.client.close();
  const store = t.server.store();
  assert.equal(store.runs.get(a.runId)?.history.get("a")?.length, 1200);
  assert.equal(store.runs.get(b.runId)?.history.get("b")?.length, 1200);
  assert.equal(store.runs.get(a.runId)?.history.get("b"), undefined);
});

test("two batches go at once to a server; a tag set twice still lands in order", async () => {
  const server = new FakeMlflowServer();
  server.faults.latency(10);
  let inFlight = 0;
  let most = 0;
  const counting = async (input: Request | URL | string, init?: RequestInit) => {
    most = Math.max(most, ++inFlight);
    try {
      return await server.fetch(input, init);
    } finally {
      inFlight--;
    }
  };
  const client = new TrackingClient({
    apiHost: "http://fake",
    fetch: counting,
    flushIntervalMs: 5,
  });
  const run = await client.startRun();
  run.setTag("stage", "first");
  for (let i = 0; i < 5000; i++) run.logMetric("m", i, { step: i });
  run.setTag("stage", "second");
  for (let i = 5000; i < 9000; i++) run.logMetric("m", i, { step: i });
  await run.end();
  assert.equal(most, 2, "two requests in flight at most, and at some point two");
  const stored = server.store().runs.get(run.runId)!;
  assert.equal(stored.tags.get("stage"), "second");
  assert.equal(stored.history.get("m")!.length, 9000);
  await client.close();
});

test("a record logged just as a drain finishes still goes out within a flush interval", async () => {
  // The drain's end and the promise bookkeeping after it are microtasks apart: log at each
  // depth in between, and nothing may be left waiting without a timer.
  for (let hops = 0; hops < 60; hops++) {
    const server = new FakeMlflowServer({ recordRequests: false });
    let logNext: (() => void) | undefined;
    const client = new TrackingClient({
      apiHost: "http://fake",
      flushIntervalMs: 20,
      fetch: async (input, init) => {
        const answer = await server.fetch(input, init);
        const log = logNext;
        if (log !== undefined && String(input).endsWith("runs/log-batch")) {
          logNext = undefined;
          let p = Promise.resolve();
          for (let i = 0; i < hops; i++) p = p.then(() => {});
          void p.then(log);
        }
        return answer;
      },
    });
    const run = await client.startRun();
    logNext = () => run.logMetric("late", hops);
    run.logMetric("first", 1);
    const deadline = Date.now() + 500;
    const stored = () => server.store().runs.get(run.runId)?.history.get("late");
    while (stored() === undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(stored()?.length, 1, `logged ${hops} microtasks after a drain: still waiting`);
    await client.close();
  }
});
