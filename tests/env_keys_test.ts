/**
 * A key read from the environment belongs to the host it was read with: the
 * OICM key never reaches a plain MLflow server, MLflow's token never another
 * server than MLFLOW_TRACKING_URI's. Two fake servers on loopback record the
 * Authorization headers they receive.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentialsFromEnv, TrackingClient } from "../mod.ts";
import { main } from "../src/cli.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { ENV_VARIABLES } from "../src/client/env.ts";
import { test } from "./harness.ts";
import { FAST_RETRY, withEnv as withEnvOf } from "./helpers.ts";

const OICM_KEY = "oicm-key-0123456789";
const MLFLOW_TOKEN = "mlflow-token-abcdef";

/** Every variable the library reads: all cleared, so the machine's own do not leak in. */
const NAMES = ENV_VARIABLES;

const withEnv = (vars: Record<string, string>, fn: () => void | Promise<void>) =>
  withEnvOf(NAMES, vars, fn);

/** An OICM fake and two plain MLflow fakes on loopback. */
async function servers() {
  const oicm = new FakeMlflowServer({ oicm: true, apiKey: OICM_KEY });
  const mlflow = new FakeMlflowServer();
  const other = new FakeMlflowServer();
  const urls = {
    oicm: `${(await oicm.listen()).url}/api/tracking`,
    mlflow: (await mlflow.listen()).url,
    other: (await other.listen()).url,
  };
  return {
    oicm,
    mlflow,
    other,
    urls,
    async [Symbol.asyncDispose]() {
      await Promise.all([oicm.close(), mlflow.close(), other.close()]);
    },
  };
}

/** Every Authorization header a server received. */
const authorizations = (server: FakeMlflowServer) =>
  server.requests.map((r) => r.headers["authorization"]);

async function oneRun(client: TrackingClient): Promise<void> {
  await client.setExperiment("keys");
  await client.withRun({ runName: "r" }, (run) => run.logMetric("loss", 0.5));
  await client.close();
}

const quiet = { retry: FAST_RETRY, onNotice: () => {} };

test("fromEnv({ apiHost }) with the OICM variables set sends no OICM key to a plain MLflow server", async () => {
  await using s = await servers();
  await withEnv({
    OICM_TRACKING_API_HOST: s.urls.oicm,
    OICM_TRACKING_API_KEY: OICM_KEY,
    OICM_WORKSPACE_ID: "ws-1",
    OIP_WORKLOAD_ACCESS_KEY: OICM_KEY,
  }, async () => {
    const notices: string[] = [];
    const toMlflow = TrackingClient.fromEnv({
      apiHost: s.urls.mlflow,
      ...quiet,
      onNotice: (m) => notices.push(m),
    });
    await oneRun(toMlflow);
    assert.ok(s.mlflow.requests.length > 0);
    assert.deepEqual(authorizations(s.mlflow).filter((a) => a !== undefined), []);
    assert.ok(
      notices.some((n) => /OICM_TRACKING_API_KEY is not sent to http:\/\/127\.0\.0\.1/.test(n)),
      notices.join("\n"),
    );
    assert.ok(!notices.join("\n").includes(OICM_KEY));
    // The host it was read with still gets it.
    // Another OICM host gets no key read with this one, and the error says why.
    assert.throws(
      () => TrackingClient.fromEnv({ apiHost: "https://other.example/api/tracking", ...quiet }),
      (e: unknown) =>
        e instanceof Error && /OICM needs an API key/.test(e.message) &&
        /OICM_TRACKING_API_KEY is not sent to https:\/\/other\.example: it belongs to/.test(
          e.message,
        ) && !e.message.includes(OICM_KEY),
    );
    const toOicm = TrackingClient.fromEnv(quiet);
    await oneRun(toOicm);
    assert.ok(s.oicm.requests.length > 0);
    assert.ok(authorizations(s.oicm).every((a) => a === `Bearer ${OICM_KEY}`));
  });
});

test("the OICM key with no OICM host named goes to an OICM host only, never to MLflow", async () => {
  await using s = await servers();
  await withEnv({ OICM_TRACKING_API_KEY: OICM_KEY }, async () => {
    await oneRun(TrackingClient.fromEnv({ apiHost: s.urls.mlflow, ...quiet }));
    assert.deepEqual(authorizations(s.mlflow).filter((a) => a !== undefined), []);
    await oneRun(TrackingClient.fromEnv({ apiHost: s.urls.oicm, workspaceId: "ws", ...quiet }));
    assert.ok(authorizations(s.oicm).every((a) => a === `Bearer ${OICM_KEY}`));
  });
  // OIP_WORKLOAD_ACCESS_KEY read by the constructor belongs to OIP_TRACKING_SERVER's host.
  await withEnv({
    OIP_TRACKING_SERVER: "https://oicm.elsewhere.example/api/tracking",
    OIP_WORKLOAD_ACCESS_KEY: OICM_KEY,
  }, () => {
    assert.throws(
      () => new TrackingClient({ apiHost: s.urls.oicm, workspaceId: "ws" }),
      /OICM needs an API key/,
    );
    return Promise.resolve();
  });
});

test("MLFLOW_TRACKING_TOKEN and USERNAME/PASSWORD go only to MLFLOW_TRACKING_URI's host", async () => {
  await using s = await servers();
  await withEnv(
    { MLFLOW_TRACKING_URI: s.urls.mlflow, MLFLOW_TRACKING_TOKEN: MLFLOW_TOKEN },
    async () => {
      await oneRun(TrackingClient.fromEnv({ apiHost: s.urls.other, ...quiet }));
      assert.ok(s.other.requests.length > 0);
      assert.deepEqual(authorizations(s.other).filter((a) => a !== undefined), []);
      await oneRun(TrackingClient.fromEnv(quiet));
      assert.ok(authorizations(s.mlflow).every((a) => a === `Bearer ${MLFLOW_TOKEN}`));
    },
  );
  await withEnv({
    MLFLOW_TRACKING_URI: s.urls.mlflow,
    MLFLOW_TRACKING_USERNAME: "me",
    MLFLOW_TRACKING_PASSWORD: "pass-word-42",
  }, async () => {
    const before = s.other.requests.length;
    await oneRun(TrackingClient.fromEnv({ apiHost: s.urls.other, ...quiet }));
    const sent = s.other.requests.slice(before).map((r) => r.headers["authorization"]);
    assert.deepEqual(sent.filter((a) => a !== undefined), []);
    assert.deepEqual(credentialsFromEnv(s.urls.mlflow).headers, {
      Authorization: `Basic ${btoa("me:pass-word-42")}`,
    });
  });
  // Never to an OICM host, even with no MLflow server named.
  await withEnv({ MLFLOW_TRACKING_TOKEN: MLFLOW_TOKEN }, () => {
    assert.equal(credentialsFromEnv(s.urls.oicm).apiKey, undefined);
    assert.equal(credentialsFromEnv(s.urls.mlflow).apiKey, MLFLOW_TOKEN);
    return Promise.resolve();
  });
});

test("OICM_TRACKING_API_KEY=k cli sync --to a plain MLflow server sends it no key", async () => {
  await using s = await servers();
  const dir = mkdtempSync(join(tmpdir(), "keys-sync-"));
  const errors: string[] = [];
  const savedError = console.error;
  const savedLog = console.log;
  try {
    const local = new TrackingClient({ offline: true, storagePath: dir, onNotice: () => {} });
    await oneRun(local);
    console.error = (...a: unknown[]) => errors.push(a.join(" "));
    console.log = () => {};
    await withEnv({ OICM_TRACKING_API_KEY: OICM_KEY }, async () => {
      assert.equal(await main(["sync", dir, "--to", s.urls.mlflow]), 0, errors.join("\n"));
      assert.ok(s.mlflow.count("runs/log-batch") > 0);
      assert.deepEqual(authorizations(s.mlflow).filter((a) => a !== undefined), []);
      assert.ok(errors.some((e) => /OICM_TRACKING_API_KEY is not sent/.test(e)), errors.join("\n"));
      // To OICM, the same variable is the key.
      assert.equal(await main(["sync", dir, "--to", s.urls.oicm, "--workspace", "ws"]), 0);
      assert.ok(s.oicm.requests.length > 0);
      assert.ok(authorizations(s.oicm).every((a) => a === `Bearer ${OICM_KEY}`));
    });
    assert.ok(!errors.join("\n").includes(OICM_KEY));
  } finally {
    console.error = savedError;
    console.log = savedLog;
    rmSync(dir, { recursive: true, force: true });
  }
});
