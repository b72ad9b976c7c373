/**
 * OICM parity with the Python v2 client, against the fake in OICM mode (which serves only what
 * OICM serves that client): its run lookup, its checks, its environment, its defaults.
 */
import assert from "node:assert/strict";
import process from "node:process";
import { NotFoundError, TrackingClient, TrackingError, ValidationError } from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { VERSION } from "../src/core/version.ts";
import { setup } from "./helpers.ts";
import { test } from "./harness.ts";

const KEY = "oicm-key-123456";

function oicm(server: FakeMlflowServer, extra: Record<string, unknown> = {}) {
  return new TrackingClient({
    apiHost: "http://oicm.test/api/tracking",
    apiKey: KEY,
    fetch: server.fetch,
    retry: { maxRetries: 0 },
    ...extra,
  });
}

test("OICM: a run is found by name with OICM's own route, never runs/search", async () => {
  await using t = await setup({ oicm: true });
  await t.client.setExperiment("lookup", { workspaceId: "ws" });
  const first = await t.client.startRun({ runName: "nightly", logSystemMetrics: false });
  await first.end();
  const again = await t.client.startRun({ runName: "nightly", logSystemMetrics: false });
  assert.equal(again.runId, first.runId, "resumed");
  await again.end();
  const lookups = t.server.requests.filter((r) => r.route === "oicm:experiments/runs");
  assert.equal(lookups.length, 2);
  assert.deepEqual(lookups[1].body, {
    offset: "0",
    limit: "1000",
    search: "",
    name: "nightly",
    fetch_all: "True",
  });
  assert.equal(lookups[1].headers.authorization, "Bearer test-key");
  assert.equal(t.server.count("runs/search"), 0);
});

test("OICM: a deleted run of that name cannot be started, as in Python", async () => {
  await using t = await setup({ oicm: true });
  await t.client.setExperiment("deleted", { workspaceId: "ws" });
  const run = await t.client.startRun({ runName: "gone", logSystemMetrics: false });
  await run.end();
  t.server.store("ws").runs.get(run.runId)!.info.lifecycle_stage = "deleted";
  await assert.rejects(
    t.client.startRun({ runName: "gone" }),
    (e) => e instanceof TrackingError && /Cannot start a deleted run/.test(e.message),
  );
});

test("OICM: routes the Python client never uses say so when OICM does not serve them", async () => {
  await using t = await setup({ oicm: true });
  await t.client.setExperiment("beyond", { workspaceId: "ws" });
  const run = await t.client.startRun({ logSystemMetrics: false });
  run.logMetric("loss", 1);
  await run.end();
  for (
    const call of [
      () => t.client.searchRuns(),
      () => t.client.searchExperiments(),
      () => t.client.getMetricHistory(run.runId, "loss"),
    ]
  ) {
    const err = await call().catch((e) => e);
    assert.ok(err instanceof NotFoundError, String(err));
    assert.match(err.message, /is not served by OICM Tracking at .*api\/tracking/);
  }
});

test("OICM: liveness and version are checked once, before the first request", async () => {
  const server = new FakeMlflowServer({ apiKey: KEY, oicm: true });
  const client = oicm(server, { workspaceId: "ws" });
  assert.equal(server.requests.length, 0, "building a client touches no network");
  await client.setExperiment("checked");
  await client.setExperiment("checked-again");
  assert.deepEqual(
    server.requests.map((r) => r.route).filter((r) => r === "liveness" || r === "version"),
    ["liveness", "version"],
  );
  assert.equal(server.requests[1].headers.authorization, `Bearer ${KEY}`);
  assert.deepEqual(await client.healthCheck(), {
    kind: "oicm",
    host: "http://oicm.test/api/tracking",
    version: "1.13.0",
  });
  await client.close();
});

test("OICM: a failed check is one clear error naming the host and the cause", async () => {
  const old = new FakeMlflowServer({ apiKey: KEY, oicm: true, version: "1.12.4" });
  const tooOld = await oicm(old, { workspaceId: "ws" }).setExperiment("x").catch((e) => e);
  assert.match(
    tooOld.message,
    /OICM 1\.12\.4 at http:\/\/oicm\.test\/api\/tracking is older than 1\.13\.0/,
  );
  // An address where OICM was expected but nothing of OICM answers (a proxy's 404 pages).
  const notOicm = () =>
    Promise.resolve(new Response("<html>404 Not Found</html>", { status: 404 }));
  const wrongHost = await new TrackingClient({
    apiHost: "http://plain.test/api/tracking",
    apiKey: KEY,
    workspaceId: "ws",
    fetch: notOicm,
    retry: { maxRetries: 0 },
  }).healthCheck().catch((e) => e);
  assert.ok(wrongHost instanceof TrackingError, String(wrongHost));
  assert.match(
    wrongHost.message,
    /http:\/\/plain\.test\/api\/tracking is not an OICM Tracking host/,
  );
  const down = await new TrackingClient({
    apiHost: "http://127.0.0.1:9/api/tracking",
    apiKey: KEY,
    retry: { maxRetries: 0 },
  }).healthCheck().catch((e) => e);
  assert.match(
    down.message,
    /OICM Tracking at http:\/\/127\.0\.0\.1:9\/api\/tracking is unreachable/,
  );
  // A version that is no semantic version: told, and not checked (as in Python).
  const notices: string[] = [];
  const dev = new FakeMlflowServer({ apiKey: KEY, oicm: true, version: "dev-build" });
  await oicm(dev, { workspaceId: "ws", onNotice: (m: string) => notices.push(m) }).healthCheck();
  assert.ok(notices.some((n) => /'dev-build', not <major>\.<minor>\.<patch>/.test(n)));
});

test("OICM: wrong configuration fails at construction with the fix named", () => {
  assert.throws(
    () => new TrackingClient({ apiHost: "https://h.example/api", apiKey: KEY, workspaceId: "ws" }),
    (e) =>
      e instanceof ValidationError &&
      /ends in \/api\/tracking \(got https:\/\/h\.example\/api\)/.test(e.message),
  );
  assert.throws(
    () => new TrackingClient({ apiHost: "https://h.example/api/tracking" }),
    (e) => e instanceof ValidationError && /OICM needs an API key/.test(e.message),
  );
  const mlflow = new TrackingClient({ apiHost: "http://127.0.0.1:5000" });
  return assert.rejects(
    mlflow.setExperiment("x", { workspaceId: "ws" }),
    /a workspaceId needs an OICM apiHost/,
  );
});

test("OICM: system metrics are on by default (as the Python client), off on MLflow and offline", async () => {
  await using t = await setup({ oicm: true, client: { systemMetrics: { intervalMs: 30 } } });
  await t.client.setExperiment("sys", { workspaceId: "ws" });
  const run = await t.client.startRun();
  await new Promise((r) => setTimeout(r, 150));
  await run.end();
  const stored = t.server.store("ws").runs.get(run.runId)!;
  assert.ok(stored.history.has("system/process_memory_rss_megabytes"), "sampled by default");
  await using plain = await setup({ client: { systemMetrics: { intervalMs: 30 } } });
  const other = await plain.client.startRun();
  await new Promise((r) => setTimeout(r, 150));
  await other.end();
  const none = plain.server.store().runs.get(other.runId)!;
  assert.equal([...none.history.keys()].filter((k) => k.startsWith("system/")).length, 0);
});

test("runs/create carries user_id; every request names this client in User-Agent", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  await run.end();
  const created = t.server.requests.find((r) => r.route === "runs/create")!;
  const user = (await t.client.getRun(run.runId)).data.tags["mlflow.user"];
  assert.equal(created.body.user_id, user);
  assert.equal(t.server.store().runs.get(run.runId)!.info.user_id, user);
  assert.match(
    created.headers["user-agent"],
    new RegExp(`^oicm-tracking-ts/${VERSION.replace(/\./g, "\\.")} \\((deno|bun|node) `),
  );
});

test("the constructor reads what OICM's Python client reads: OIP_TRACKING_SERVER, key, workload id", async () => {
  const names = [
    "OIP_TRACKING_SERVER",
    "OIP_WORKLOAD_ACCESS_KEY",
    "OIP_WORKLOAD_ID",
    "OIP_OFFLINE_MODE",
  ];
  const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
  try {
    process.env.OIP_TRACKING_SERVER = "https://oicm.example/api/tracking";
    process.env.OIP_WORKLOAD_ACCESS_KEY = KEY;
    process.env.OIP_WORKLOAD_ID = "wl-42";
    assert.equal(new TrackingClient({}).serverKind, "oicm");
    // The workload header is sent by a client built with explicit options too.
    const server = new FakeMlflowServer({ apiKey: KEY, oicm: true });
    await oicm(server, { workspaceId: "ws" }).setExperiment("w");
    assert.ok(server.requests.length > 0);
    assert.ok(server.requests.every((r) => r.headers["oip-workload-id"] === "wl-42"));
    delete process.env.OIP_TRACKING_SERVER;
    process.env.OIP_OFFLINE_MODE = "True";
    assert.equal(new TrackingClient({}).serverKind, "offline");
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});
