import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import {
  AuthError,
  DeliveryError,
  NotFoundError,
  TrackingClient,
  TrackingError,
  UnavailableError,
} from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { FAST_RETRY, setup } from "./helpers.ts";
import { test } from "./harness.ts";

const KEY = "sk-live-0123456789abcdef";

test("OICM routes: {apiHost}/v1/workspaces/{ws}/mlflow, bearer key, workload header", async () => {
  await using t = await setup({
    oicm: true,
    server: { apiKey: KEY, workspaces: ["ws-1"] },
    client: { apiKey: KEY, workloadId: "wl-7" },
  });
  assert.equal(t.client.serverKind, "oicm");
  await t.client.setExperiment("oicm-exp", { workspaceId: "ws-1" });
  await t.client.withRun({ runName: "r" }, (run) => run.logMetric("m", 1));
  assert.ok(t.server.requests.length > 0);
  // First, as OICM's Python client: liveness and version, below the API host itself.
  assert.deepEqual(t.server.requests.slice(0, 2).map((r) => r.route), ["liveness", "version"]);
  for (const r of t.server.requests.slice(2)) {
    assert.equal(r.workspace, "ws-1");
    assert.equal(r.headers["authorization"], `Bearer ${KEY}`);
    assert.equal(r.headers["oip-workload-id"], "wl-7");
  }
  assert.equal(t.server.store("ws-1").experiments.size, 2, "Default and oicm-exp, in ws-1");
  assert.equal(t.server.store().experiments.size, 1, "nothing outside the workspace");
});

test("workspaces keep their own experiments; switching flushes first", async () => {
  await using t = await setup({ oicm: true, client: { flushIntervalMs: 60_000 } });
  await t.client.setExperiment("shared-name", { workspaceId: "a" });
  const run = await t.client.startRun();
  run.logMetric("m", 1);
  await run.end();
  await t.client.setExperiment("shared-name", { workspaceId: "b" });
  assert.equal(t.client.workspaceId, "b");
  assert.equal(t.server.store("a").runs.size, 1);
  assert.equal(t.server.store("b").runs.size, 0);
  assert.equal(t.server.store("b").experiments.size, 2);
});

test("an unknown workspace is a NotFoundError naming it", async () => {
  await using t = await setup({ oicm: true, server: { workspaces: ["ws-1"] } });
  const err = await t.client.setExperiment("e", { workspaceId: "ws-404" }).catch((e) => e);
  assert.ok(err instanceof NotFoundError);
  assert.match(err.message, /ws-404/);
});

test("a wrong API key is an AuthError that never shows the key", async () => {
  await using t = await setup({ server: { apiKey: "right-key" }, client: { apiKey: KEY } });
  const err = await t.client.setExperiment("e").catch((e) => e);
  assert.ok(err instanceof AuthError);
  assert.equal(err.status, 401);
  assert.equal(err.code, "UNAUTHENTICATED");
  for (const text of [err.message, err.stack ?? "", JSON.stringify(err), inspect(err)]) {
    assert.ok(!text.includes(KEY), "key leaked");
  }
  const missing = new TrackingClient({ apiHost: t.url, retry: FAST_RETRY });
  await assert.rejects(missing.setExperiment("e"), AuthError);
});

test("the API key appears nowhere: inspect, errors echoed by the server, JSON", async () => {
  const server = new FakeMlflowServer();
  server.faults.failNext(1, 400, { body: `<html>bad token ${KEY}</html>` });
  const client = new TrackingClient({ apiHost: "http://fake", apiKey: KEY, fetch: server.fetch });
  assert.ok(!inspect(client).includes(KEY));
  assert.ok(!JSON.stringify(client).includes(KEY));
  const err = await client.setExperiment("e").catch((e) => e);
  assert.ok(err instanceof TrackingError);
  assert.match(err.message, /bad token \*\*\*/);
  assert.ok(!inspect(err).includes(KEY));
  await client.close();
});

test("429 and 503 are retried, Retry-After honoured, then success", async () => {
  await using t = await setup();
  t.server.faults.failNext(1, 429, { retryAfter: "0.05" }).failNext(2, 503);
  const started = Date.now();
  const exp = await t.client.setExperiment("retried");
  assert.ok(Date.now() - started >= 45, "waited for Retry-After");
  assert.equal(exp.name, "retried");
  // 3 failed tries + the answer "absent", then create, then the read-back.
  assert.equal(t.server.count("experiments/get-by-name"), 5);
});

test("retries exhausted: UnavailableError with the attempt count and last status", async () => {
  await using t = await setup();
  t.server.faults.failNext(10, 502);
  const err = await t.client.setExperiment("down").catch((e) => e);
  assert.ok(err instanceof UnavailableError);
  assert.equal(err.attempts, FAST_RETRY.maxRetries + 1);
  assert.equal(err.status, 502);
  assert.equal(err.route, "experiments/get-by-name");
  assert.equal(t.server.count("experiments/get-by-name"), 4);
});

test("client errors (4xx) are not retried", async () => {
  await using t = await setup();
  t.server.faults.failNext(1, 400);
  await assert.rejects(t.client.setExperiment("x"), TrackingError);
  assert.equal(t.server.count("experiments/get-by-name"), 1);
});

test("a request with no answer times out and is retried", async () => {
  await using t = await setup({ client: { timeoutMs: 100 } });
  t.server.faults.hangNext(1);
  const exp = await t.client.setExperiment("slow");
  assert.equal(exp.name, "slow");
  t.server.faults.hangNext(10);
  const err = await t.client.getExperimentByName("slow").catch((e) => e);
  assert.ok(err instanceof UnavailableError);
  assert.equal(err.code, "TIMEOUT");
});

test("dropped connections are retried", async () => {
  await using t = await setup();
  t.server.faults.dropNext(2);
  const exp = await t.client.setExperiment("dropped");
  assert.equal(exp.name, "dropped");
  t.server.faults.dropNext(10);
  const err = await t.client.getExperimentByName("dropped").catch((e) => e);
  assert.ok(err instanceof UnavailableError);
  assert.equal(err.code, "NETWORK_ERROR");
});

test("a server that is down: one notice at the first failure, then an error naming host, port and cause", async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  const { port } = closed.address() as AddressInfo;
  await new Promise((r) => closed.close(r)); // nothing listens there now
  const notices: string[] = [];
  const client = new TrackingClient({
    apiHost: `http://127.0.0.1:${port}`,
    retry: FAST_RETRY,
    onNotice: (m) => notices.push(m),
  });
  const err = await client.getExperimentByName("x").catch((e) => e);
  assert.ok(err instanceof UnavailableError, String(err));
  assert.match(
    err.message,
    new RegExp(`127\\.0\\.0\\.1:${port} unreachable \\(connection refused\\)`),
  );
  assert.ok(
    err.cause instanceof TrackingError && err.cause.cause instanceof Error,
    "the cause is kept",
  );
  assert.equal(notices.length, 1, notices.join("\n"));
  assert.match(
    notices[0],
    new RegExp(
      `127\\.0\\.0\\.1:${port} unreachable \\(connection refused\\); retrying up to 3 time\\(s\\)`,
    ),
  );
  await client.close();
});

test("what retrying cannot fix fails at once: an unknown host name, a certificate error", async () => {
  const slowRetry = {
    maxRetries: 5,
    initialDelayMs: 2_000,
    maxDelayMs: 2_000,
    maxElapsedMs: 60_000,
  };
  const dns = new TrackingClient({ apiHost: "http://no-such-host.invalid:5000", retry: slowRetry });
  const noName = await dns.getExperimentByName("x").catch((e) => e);
  assert.ok(!(noName instanceof UnavailableError), String(noName));
  assert.match(
    noName.message,
    /no-such-host\.invalid:5000 unreachable \(the host name does not resolve\)/,
  );
  const tls = createHttpsServer({
    key: readFileSync("tests/fixtures/self_signed.key"),
    cert: readFileSync("tests/fixtures/self_signed.crt"),
  }, (_req, res) => res.end("{}"));
  await new Promise<void>((r) => tls.listen(0, "127.0.0.1", r));
  const { port } = tls.address() as AddressInfo;
  try {
    const client = new TrackingClient({ apiHost: `https://127.0.0.1:${port}`, retry: slowRetry });
    const bad = await client.getExperimentByName("x").catch((e) => e);
    // Not an UnavailableError: that only comes once retries are spent; this came at the first.
    assert.ok(!(bad instanceof UnavailableError), String(bad));
    assert.match(
      bad.message,
      new RegExp(`127\\.0\\.0\\.1:${port} unreachable \\(certificate error`),
    );
    assert.match(bad.message, /NODE_EXTRA_CA_CERTS=ca\.pem/, "the message names the fix");
  } finally {
    tls.closeAllConnections?.();
    await new Promise((r) => tls.close(r));
  }
});

test("HTML and empty error bodies from proxies become clear errors", async () => {
  await using t = await setup();
  t.server.faults.failNext(1, 404, { body: "<html><body><h1>Not Found</h1></body></html>" });
  const html = await t.client.getExperimentByName("x").catch((e) => e);
  assert.ok(html instanceof NotFoundError, "an HTML 404 is not 'experiment absent'");
  assert.equal(html.code, "ENDPOINT_NOT_FOUND");
  assert.match(html.message, /HTTP 404.*Not Found/);
  assert.match(html.message, /check apiHost; an OICM host ends in \/api\/tracking/);
  t.server.faults.failNext(1, 403, { body: "" });
  const empty = await t.client.getExperimentByName("x").catch((e) => e);
  assert.ok(empty instanceof AuthError);
  assert.equal(empty.code, "PERMISSION_DENIED");
});

test("a malformed success body names the route", async () => {
  const fetch = (_: unknown) => Promise.resolve(new Response("not json at all", { status: 200 }));
  const client = new TrackingClient({ apiHost: "http://x", fetch });
  const err = await client.getExperiment("1").catch((e) => e);
  assert.ok(err instanceof TrackingError);
  assert.equal(err.code, "MALFORMED_RESPONSE");
  assert.match(err.message, /experiments\/get: .*not JSON/);
  const wrongShape = (_: unknown) =>
    Promise.resolve(new Response(JSON.stringify({ experiment: { name: 5 } })));
  const c2 = new TrackingClient({ apiHost: "http://x", fetch: wrongShape });
  const e2 = await c2.getExperiment("1").catch((e) => e);
  assert.equal(e2.code, "MALFORMED_RESPONSE");
  assert.match(e2.message, /experiment\.experiment_id/);
});

test("responses with extra fields and int64 strings are accepted", async () => {
  const body = {
    experiment: {
      experiment_id: "7",
      name: "n",
      creation_time: "1700000000000",
      lifecycle_stage: "active",
      brand_new_field: { x: 1 },
    },
  };
  const client = new TrackingClient({
    apiHost: "http://x",
    fetch: () => Promise.resolve(new Response(JSON.stringify(body))),
  });
  const exp = await client.getExperiment("7");
  assert.equal(exp.creationTime, 1_700_000_000_000);
});

test("delivery failures reject flush and endRun, reach onError, and the run still ends", async () => {
  await using t = await setup({ client: { flushIntervalMs: 60_000 } });
  const run = await t.client.startRun();
  run.logMetric("m", 1);
  run.logMetric("m", 2);
  t.server.faults.failNext(1, 413, { route: "runs/log-batch" }); // a proxy's size limit
  const err = await run.end().catch((e) => e);
  assert.ok(err instanceof DeliveryError);
  assert.equal(err.undelivered, 2);
  assert.equal(err.errors[0].status, 413);
  assert.equal(t.errors.length, 1, "onError told once");
  assert.equal(t.server.store().runs.get(run.runId)?.info.status, "FINISHED", "ended anyway");
  await t.client.flush(); // the failure was reported; nothing left
});

test("a server-side rejection of a batch is reported, not retried", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  t.server.store().deleteRun({ run_id: run.runId });
  run.logMetric("m", 1);
  const err = await t.client.flush().catch((e) => e);
  assert.ok(err instanceof DeliveryError);
  assert.equal(err.code, "INVALID_PARAMETER_VALUE");
  assert.equal(t.server.count("runs/log-batch"), 1);
  await run.end().catch(() => {});
});

test("with no flush awaited, a failure goes to onError and is not an unhandled rejection", async () => {
  const seen: Error[] = [];
  const server = new FakeMlflowServer();
  const client = new TrackingClient({
    apiHost: "http://fake",
    fetch: server.fetch,
    flushIntervalMs: 5,
    retry: { maxRetries: 0 },
    onError: (e) => seen.push(e),
  });
  const run = await client.startRun();
  server.faults.failNext(1, 400, { route: "runs/log-batch" });
  run.logMetric("m", 1);
  const deadline = Date.now() + 2_000;
  while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(seen.length, 1);
  assert.ok(seen[0] instanceof DeliveryError);
  await run.end().catch(() => {});
  await client.close().catch(() => {});
});
