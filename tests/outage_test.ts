/** Nothing lost when the server fails: the spool, the drainer, maxQueue. */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DeliveryError } from "../mod.ts";
import { FileBackend } from "../src/store/file_backend.ts";
import { setup } from "./helpers.ts";
import { test } from "./harness.ts";

async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

function spooledRuns(spoolPath: string): string[] {
  const dir = join(spoolPath, "0");
  return existsSync(dir) ? readdirSync(dir).filter((n) => n !== "meta.yaml" && n !== "tags") : [];
}

test("server down longer than the retry budget mid-run: every point arrives exactly once", async () => {
  await using t = await setup({ client: { spoolRetryMs: 30 } });
  const run = await t.client.startRun({ runName: "outage" });
  for (let step = 0; step < 3000; step++) run.logMetric("loss", step, { step });
  await t.client.flush(); // the first 3000 went straight to the server
  t.server.faults.failNext(1_000_000, 503); // down: every request fails
  for (let step = 3000; step < 8000; step++) run.logMetric("loss", step, { step });
  run.logParam("phase", "during outage");
  await t.client.flush(); // resolves: the records are safe on disk, not lost
  assert.equal(t.errors.length, 0, "no delivery error: nothing was lost");
  assert.ok(spooledRuns(t.spoolPath).length === 1, "records wait in the spool");
  assert.ok(
    t.notices.some((n) => /unavailable; records are kept in/.test(n)),
    t.notices.join("\n"),
  );
  await run.end(); // the end waits in the spool too
  const stored = t.server.store().runs.get(run.runId)!;
  assert.equal(stored.info.status, "RUNNING", "the server has not heard of the end yet");
  t.server.faults.clear(); // the server is back
  await until(() => stored.info.status === "FINISHED");
  const steps = stored.history.get("loss")!.map((p) => p.step).sort((a, b) => a - b);
  assert.equal(steps.length, 8000, "each point once");
  assert.deepEqual(steps, Array.from({ length: 8000 }, (_, i) => i));
  assert.equal(stored.params.get("phase"), "during outage");
  assert.equal(stored.info.run_name, "outage", "the spool's own run name never reaches the server");
  await until(() => spooledRuns(t.spoolPath).length === 0);
  await until(() => t.notices.some((n) => n.includes("answers again")));
  assert.ok(t.notices.includes("the server answers again: 5000 spooled points were delivered"));
});

test("dropped connections count as an outage too, and the spool drains after", async () => {
  await using t = await setup({ client: { spoolRetryMs: 20 } });
  const run = await t.client.startRun();
  t.server.faults.dropNext(1_000_000);
  for (let i = 0; i < 500; i++) run.logMetric("m", i, { step: i });
  await t.client.flush();
  t.server.faults.clear();
  await run.end();
  const stored = t.server.store().runs.get(run.runId)!;
  await until(() => stored.info.status === "FINISHED");
  assert.equal(stored.history.get("m")!.length, 500);
});

test("maxQueue bounds memory: over it, records go to disk, and all arrive once", async () => {
  await using t = await setup({
    client: { maxQueue: 2_000, spoolRetryMs: 10, flushIntervalMs: 5 },
  });
  t.server.faults.latency(5); // a slow server
  const run = await t.client.startRun();
  let peak = 0;
  for (let i = 0; i < 20_000; i++) {
    run.logMetric("x", i, { step: i });
    peak = Math.max(peak, t.client.pending);
  }
  assert.ok(peak <= 2_000, `in memory at most maxQueue (peak ${peak})`);
  await t.client.flush();
  t.server.faults.latency(0);
  await run.end();
  const stored = t.server.store().runs.get(run.runId)!;
  await until(() => stored.info.status === "FINISHED" && stored.history.get("x")!.length >= 20_000);
  const steps = new Set(stored.history.get("x")!.map((p) => p.step));
  assert.equal(stored.history.get("x")!.length, 20_000, "no duplicates");
  assert.equal(steps.size, 20_000, "none missing");
});

test("close() while the server is still down says where the records are and how to send them", async () => {
  await using t = await setup({ client: { spoolRetryMs: 60_000 } });
  const run = await t.client.startRun();
  t.server.faults.failNext(1_000_000, 503);
  run.logMetric("m", 1);
  await t.client.close();
  const last = t.notices.at(-1)!;
  assert.ok(last.includes(t.spoolPath), last);
  assert.match(last, /sync .* --to http:\/\/127\.0\.0\.1:\d+/);
  assert.equal(spooledRuns(t.spoolPath).length, 1, "still on disk");
});

test("over maxQueue with a healthy server: flush() delivers what went to disk too", async () => {
  await using t = await setup({ client: { maxQueue: 1_000, spoolRetryMs: 60_000 } });
  const run = await t.client.startRun();
  for (let i = 0; i < 10_000; i++) run.logMetric("x", i, { step: i });
  assert.ok(t.client.spilled > 0, "some went to disk");
  await t.client.flush(); // no waiting for the background retry
  const stored = t.server.store().runs.get(run.runId)!;
  assert.equal(stored.history.get("x")!.length, 10_000);
  assert.match(t.notices[0], /more records wait than maxQueue allows/);
  assert.equal(spooledRuns(t.spoolPath).length, 0, "the spool emptied");
  await run.end();
});

test("a spooled run the server refuses is set aside with its records; the rest still drains", async () => {
  await using t = await setup({ client: { spoolRetryMs: 60_000 } });
  const refused = await t.client.startRun({ runName: "deleted meanwhile" });
  const other = await t.client.startRun({ runName: "fine", nested: true });
  t.server.faults.failNext(1_000_000, 503);
  for (let i = 0; i < 300; i++) refused.logMetric("loss", i, { step: i });
  refused.logParam("lr", 0.1);
  for (let i = 0; i < 200; i++) other.logMetric("loss", i, { step: i });
  await t.client.flush(); // down: both runs wait in the spool
  assert.equal(spooledRuns(t.spoolPath).length, 2);
  // The first run is deleted on the server while its records wait; then the server is back.
  t.server.store().runs.get(refused.runId)!.info.lifecycle_stage = "deleted";
  t.server.faults.clear();
  await assert.rejects(t.client.flush(), (e: unknown) => {
    assert.ok(e instanceof DeliveryError, String(e));
    assert.equal(e.undelivered, 300);
    assert.match(e.message, /active/); // the server's reason
    return true;
  });
  const stored = t.server.store().runs.get(other.runId)!;
  assert.equal(stored.history.get("loss")!.length, 200, "the other run drained after the refusal");
  assert.equal(spooledRuns(t.spoolPath).length, 0, "nothing left to retry forever");
  const notice = t.notices.find((n) =>
    n.includes(`refused the spooled records of run ${refused.runId}`)
  );
  assert.ok(notice, t.notices.join("\n"));
  assert.match(notice, /300 point\(s\)/);
  // Kept, not dropped: a store of its own, with every point and the param, beside a spool
  // that stays a readable store.
  const refusedStore = new FileBackend(join(t.spoolPath, ".refused"));
  const [aside] = await refusedStore.listRunIds("0");
  assert.ok(notice.includes(aside));
  assert.equal((await refusedStore.getMetricHistory(aside, "loss")).length, 300);
  assert.equal((await refusedStore.getRun(aside)).data.params.lr, "0.1");
  assert.deepEqual((await new FileBackend(t.spoolPath).searchExperiments({})).map((e) => e.name), [
    "Default",
  ]);
});

test("a tag set again while its first value is in flight keeps the later value through the spool", async () => {
  await using t = await setup({
    client: {
      maxQueue: 1_000,
      spoolRetryMs: 60_000,
      retry: { maxRetries: 3, initialDelayMs: 30, maxDelayMs: 30, maxElapsedMs: 5_000 },
    },
  });
  const run = await t.client.startRun();
  t.server.faults.failNext(4, 503, { route: "runs/log-batch" }); // 'a' fails its whole budget
  run.setTag("phase", "a");
  const flushed = t.client.flush(); // 'a' is in flight, retrying
  await new Promise((r) => setTimeout(r, 10));
  run.setTag("phase", "b"); // later: over maxQueue, it goes to the spool while 'a' flies
  for (let i = 0; i < 2_000; i++) run.logMetric("x", i, { step: i });
  await flushed.catch(() => {});
  await t.client.flush();
  await run.end();
  const stored = t.server.store().runs.get(run.runId)!;
  await until(() => stored.info.status === "FINISHED");
  assert.equal(stored.tags.get("phase"), "b", "the later value wins");
  assert.equal(stored.history.get("x")!.length, 2_000);
});

test("records spooled for one OICM workspace are delivered there after switching to another", async () => {
  await using t = await setup({ oicm: true, client: { spoolRetryMs: 20 } });
  await t.client.setExperiment("first", { workspaceId: "ws-a" });
  const run = await t.client.startRun({ runName: "in-a" });
  t.server.faults.failNext(1_000_000, 503);
  for (let i = 0; i < 300; i++) run.logMetric("loss", i, { step: i });
  await t.client.flush(); // down: the points wait in the spool
  await run.end(); // the end waits there too
  t.server.faults.clear();
  await t.client.setExperiment("second", { workspaceId: "ws-b" });
  const other = await t.client.startRun({ runName: "in-b" });
  other.logMetric("acc", 1);
  await other.end();
  const stored = t.server.store("ws-a").runs.get(run.runId)!;
  await until(() => stored.info.status === "FINISHED");
  assert.equal(stored.history.get("loss")!.length, 300, "every point, in its own workspace");
  assert.equal([...t.server.store("ws-b").runs.values()].length, 1, "nothing stranded in ws-b");
  await until(() => spooledRuns(t.spoolPath).length === 0);
  const notices = t.notices.filter((n) => /unavailable/.test(n));
  assert.ok(notices.length <= 1, notices.join("\n"));
});

test("close() with a server that stopped answering waits closeTimeoutMs, says so, then spools", async () => {
  // Default retry budget (120 s) and request timeout (120 s): only closeTimeoutMs bounds close().
  await using t = await setup({
    client: {
      retry: undefined,
      timeoutMs: 120_000,
      closeTimeoutMs: 300,
      spoolRetryMs: 60_000,
    },
  });
  const run = await t.client.startRun({ runName: "dying" });
  for (let i = 0; i < 500; i++) run.logMetric("loss", i, { step: i });
  await t.client.flush();
  t.server.faults.hangNext(1_000_000); // the server stops answering, connections stay open
  for (let i = 500; i < 700; i++) run.logMetric("loss", i, { step: i });
  const started = Date.now();
  await t.client.close();
  assert.ok(Date.now() - started < 60_000, "close() did not wait out the retry budget");
  assert.ok(
    t.notices.some((n) => n.includes("answered nothing") || n.includes("still delivering")),
  );
  const last = t.notices.at(-1)!;
  assert.match(last, /wait in .*; send them with: .*cli sync/);
  assert.equal(spooledRuns(t.spoolPath).length, 1, "the rest is on disk, not lost");
  // Once the server answers again, the CLI's sync delivers it: every point once, and the end.
  t.server.faults.clear();
  const local = new FileBackend(t.spoolPath);
  const [spoolRun] = await local.listRunIds("0");
  assert.equal((await local.getMetricHistory(spoolRun, "loss")).length, 200);
});
