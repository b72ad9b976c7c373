import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TrackingClient, ValidationError } from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { test } from "./harness.ts";

async function localStore() {
  const dir = mkdtempSync(join(tmpdir(), "sync-src-"));
  const local = new TrackingClient({ offline: true, storagePath: dir });
  await local.setExperiment("offline-exp", { tags: { where: "laptop" } });
  const a = await local.startRun({ runName: "a", tags: ["baseline"] });
  a.logParams({ lr: 0.1, layers: 3 });
  for (let s = 0; s < 2500; s++) a.logMetric("loss", 1 / (s + 1), { step: s, timestamp: 1000 + s });
  a.logMetric("odd", NaN, { step: 0, timestamp: 5 });
  await a.end("FAILED");
  const b = await local.startRun({ runName: "b" });
  b.logMetric("acc", 0.5, { step: 1, timestamp: 77 });
  await b.end();
  return {
    dir,
    local,
    a,
    b,
    [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }),
  };
}

test("sync uploads runs with names, tags, params, histories, statuses and times", async () => {
  using s = await localStore();
  const server = new FakeMlflowServer();
  const to = { apiHost: "http://fake", fetch: server.fetch };
  const progress: number[] = [];
  const report = await s.local.sync({ to, onProgress: (p) => progress.push(p.runsDone) });
  assert.deepEqual(
    { runs: report.runs, created: report.created, metrics: report.metrics, ended: report.ended },
    { runs: 2, created: 2, metrics: 2502, ended: 2 },
  );
  assert.equal(progress.at(-1), 2);
  const store = server.store();
  const exp = [...store.experiments.values()].find((e) => e.name === "offline-exp")!;
  assert.equal(exp.tags.get("where"), "laptop");
  const remote = [...store.runs.values()];
  const a = remote.find((r) => r.info.run_name === "a")!;
  assert.equal(a.info.experiment_id, exp.experiment_id);
  assert.equal(a.info.status, "FAILED");
  assert.equal(a.info.start_time, s.a.info.startTime);
  assert.equal(a.info.end_time, s.a.info.endTime);
  assert.deepEqual(Object.fromEntries(a.params), { lr: "0.1", layers: "3" });
  assert.equal(a.tags.get("baseline"), "_OI_USER_TAG");
  assert.equal(a.tags.get("mlflow.source.type"), "LOCAL");
  const loss = a.history.get("loss")!;
  assert.equal(loss.length, 2500);
  assert.deepEqual([loss[7].step, loss[7].timestamp, loss[7].value], [7, 1007, 1 / 8]);
  assert.ok(Number.isNaN(a.history.get("odd")![0].value));
  const b = remote.find((r) => r.info.run_name === "b")!;
  assert.deepEqual(b.history.get("acc"), [{ key: "acc", value: 0.5, step: 1, timestamp: 77 }]);
});

test("a second sync sends nothing; new points after it are sent once", async () => {
  using s = await localStore();
  const server = new FakeMlflowServer();
  const to = { apiHost: "http://fake", fetch: server.fetch };
  await s.local.sync({ to });
  const before = server.count("runs/log-batch") + server.count("runs/create");
  const again = await s.local.sync({ to });
  assert.deepEqual([again.created, again.metrics, again.params, again.tags, again.ended], [
    0,
    0,
    0,
    0,
    0,
  ]);
  assert.equal(server.count("runs/log-batch") + server.count("runs/create"), before);
  // More points in a resumed run, and a new status: only those go.
  const run = await s.local.startRun({ runId: s.b.runId });
  run.logMetric("acc", 0.9, { step: 2 });
  await run.end("KILLED");
  const third = await s.local.sync({ to });
  assert.deepEqual([third.created, third.metrics, third.ended], [0, 1, 1]);
  const b = [...server.store().runs.values()].find((r) => r.info.run_name === "b")!;
  assert.equal(b.history.get("acc")!.length, 2);
  assert.equal(b.info.status, "KILLED");
});

test("an interrupted sync resumes without duplicating a point", async () => {
  using s = await localStore();
  const server = new FakeMlflowServer();
  let batches = 0;
  const flaky = (input: Request | URL | string, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.endsWith("runs/log-batch") && ++batches === 3) {
      return Promise.reject(new TypeError("connection reset"));
    }
    return server.fetch(input, init);
  };
  const to = { apiHost: "http://fake", fetch: flaky, retry: { maxRetries: 0 } };
  await assert.rejects(s.local.sync({ to }));
  const partial = [...server.store().runs.values()][0].history.get("loss")?.length ?? 0;
  assert.ok(partial > 0 && partial < 2500, `interrupted midway (${partial} points)`);
  await s.local.sync({ to });
  const a = [...server.store().runs.values()].find((r) => r.info.run_name === "a")!;
  assert.equal(a.history.get("loss")!.length, 2500, "each point exactly once");
  assert.equal(server.store().runs.size, 2, "no run created twice");
});

test("sync to OICM creates experiments by name in the target workspace", async () => {
  using s = await localStore();
  const server = new FakeMlflowServer({ apiKey: "k", workspaces: ["ws-9"] });
  const to = {
    apiHost: "http://fake/api/tracking",
    apiKey: "k",
    workspaceId: "ws-9",
    fetch: server.fetch,
  };
  await s.local.sync({ to });
  const names = [...server.store("ws-9").experiments.values()].map((e) => e.name);
  assert.ok(names.includes("offline-exp"));
  await assert.rejects(
    s.local.sync({ to: { apiHost: "http://fake/api/tracking", apiKey: "k", fetch: server.fetch } }),
    /workspaceId/,
  );
});

test("only an offline client syncs, and only to a server", async () => {
  using s = await localStore();
  const online = new TrackingClient({
    apiHost: "http://fake",
    fetch: new FakeMlflowServer().fetch,
  });
  await assert.rejects(online.sync({ to: { offline: true } }), ValidationError);
  await assert.rejects(
    s.local.sync({ to: { offline: true, storagePath: s.dir } }),
    ValidationError,
  );
});
