import assert from "node:assert/strict";
import { TrackingClient } from "../mod.ts";
import { clientFromEnv } from "../src/client/env.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import process from "node:process";
import { test } from "./harness.ts";
import { withEnv as withEnvOf } from "./helpers.ts";

const NAMES = [
  "OICM_TRACKING_API_HOST",
  "OICM_TRACKING_API_KEY",
  "OICM_WORKSPACE_ID",
  "OIP_TRACKING_SERVER",
  "OIP_WORKLOAD_ACCESS_KEY",
  "OIP_WORKLOAD_ID",
  "MLFLOW_TRACKING_URI",
  "MLFLOW_TRACKING_TOKEN",
  "MLFLOW_TRACKING_USERNAME",
  "MLFLOW_TRACKING_PASSWORD",
  "OICM_TRACKING_APIHOST",
  "MLFLOW_EXPERIMENT_NAME",
  "MLFLOW_RUN_ID",
];

function withEnv(vars: Record<string, string>, fn: () => void): void {
  const saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));
  for (const n of NAMES) delete process.env[n];
  for (const [k, v] of Object.entries(vars)) process.env[k] = v;
  try {
    fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const withEnvAsync = (vars: Record<string, string>, fn: () => Promise<void>) =>
  withEnvOf(NAMES, vars, fn);

test("fromEnv reads OICM variables (and the Python client's OIP_ names)", () => {
  withEnv({
    OICM_TRACKING_API_HOST: "https://oicm.example/api/tracking",
    OICM_TRACKING_API_KEY: "k1",
    OICM_WORKSPACE_ID: "ws",
    OIP_WORKLOAD_ID: "wl",
  }, () => {
    assert.deepEqual(clientFromEnv(), {
      apiHost: "https://oicm.example/api/tracking",
      apiKey: "k1",
      workspaceId: "ws",
      workloadId: "wl",
    });
    const client = TrackingClient.fromEnv();
    assert.equal(client.serverKind, "oicm");
    assert.equal(client.workspaceId, "ws");
  });
  withEnv({ OIP_TRACKING_SERVER: "https://h/api/tracking", OIP_WORKLOAD_ACCESS_KEY: "k2" }, () => {
    assert.deepEqual(clientFromEnv(), { apiHost: "https://h/api/tracking", apiKey: "k2" });
  });
});

test("fromEnv reads MLFLOW_TRACKING_URI with a token or basic auth", () => {
  withEnv({ MLFLOW_TRACKING_URI: "http://127.0.0.1:5000", MLFLOW_TRACKING_TOKEN: "t" }, () => {
    assert.deepEqual(clientFromEnv(), { apiHost: "http://127.0.0.1:5000", apiKey: "t" });
    assert.equal(TrackingClient.fromEnv().serverKind, "mlflow");
  });
  withEnv({
    MLFLOW_TRACKING_URI: "http://h",
    MLFLOW_TRACKING_USERNAME: "u",
    MLFLOW_TRACKING_PASSWORD: "p",
  }, () => {
    assert.deepEqual(clientFromEnv().headers, { Authorization: `Basic ${btoa("u:p")}` });
  });
});

test("fromEnv with no server configured is offline in ./mlruns; file: URIs name the store", () => {
  withEnv({}, () => {
    assert.deepEqual(clientFromEnv(), { offline: true, storagePath: "./mlruns" });
    assert.equal(TrackingClient.fromEnv().serverKind, "offline");
  });
  withEnv({ MLFLOW_TRACKING_URI: "file:./elsewhere" }, () => {
    assert.deepEqual(clientFromEnv(), { offline: true, storagePath: "./elsewhere" });
  });
  withEnv({ MLFLOW_TRACKING_URI: "file:///tmp/store" }, () => {
    assert.equal(clientFromEnv().storagePath, "/tmp/store");
  });
  withEnv({ MLFLOW_TRACKING_URI: "/data/runs" }, () => {
    assert.equal(clientFromEnv().storagePath, "/data/runs");
  });
  withEnv({ OICM_TRACKING_API_HOST: "https://h/api/tracking" }, () => {
    assert.equal(clientFromEnv({ offline: true, storagePath: "x" }).offline, true);
  });
});

test("fromEnv overrides win over the environment", () => {
  withEnv({ MLFLOW_TRACKING_URI: "http://h" }, () => {
    assert.equal(clientFromEnv({ timeoutMs: 5 }).timeoutMs, 5);
    assert.equal(clientFromEnv({ apiHost: "http://other" }).apiHost, "http://other");
  });
});

test("fromEnv says once that it records offline, and where", () => {
  withEnv({}, () => {
    const dir = `./mlruns-notice-${Math.random().toString(36).slice(2)}`;
    const notices: string[] = [];
    TrackingClient.fromEnv({ storagePath: dir, onNotice: (m) => notices.push(m) });
    TrackingClient.fromEnv({ storagePath: dir, onNotice: (m) => notices.push(m) });
    const offline = notices.filter((n) => n.includes("recording offline"));
    assert.equal(offline.length, 1, notices.join("\n"));
    assert.match(
      offline[0],
      /no tracking server configured: recording offline into \/.*mlruns-notice/,
    );
    assert.match(offline[0], /OICM_TRACKING_API_HOST, or MLFLOW_TRACKING_URI/);
  });
});

test("a variable with our prefixes that nothing reads is named, with what it probably meant", () => {
  withEnv({ OICM_TRACKING_APIHOST: "https://h/api/tracking" }, () => {
    const notices: string[] = [];
    TrackingClient.fromEnv({ storagePath: "./mlruns-typo", onNotice: (m) => notices.push(m) });
    const named = notices.find((n) => n.includes("OICM_TRACKING_APIHOST"));
    assert.ok(named, notices.join("\n"));
    assert.match(named, /did you mean OICM_TRACKING_API_HOST\?/);
  });
  delete process.env.OICM_TRACKING_APIHOST;
});

test("fromEnv: MLFLOW_EXPERIMENT_NAME is where runs go until setExperiment; MLFLOW_RUN_ID attaches", async () => {
  const server = new FakeMlflowServer();
  const { url } = await server.listen();
  try {
    const existing = await (async () => {
      const c = new TrackingClient({ apiHost: url, onNotice: () => {} });
      const r = await c.startRun({ runName: "shared" });
      await c.close();
      return r.runId;
    })();
    await withEnvAsync(
      { MLFLOW_TRACKING_URI: url, MLFLOW_EXPERIMENT_NAME: "from-env" },
      async () => {
        const client = TrackingClient.fromEnv({ onNotice: () => {} });
        const run = await client.startRun();
        const experiment = await client.getExperimentByName("from-env");
        assert.equal(run.info.experimentId, experiment?.experimentId, "got or created by name");
        await client.close();
      },
    );
    await withEnvAsync({ MLFLOW_TRACKING_URI: url, MLFLOW_RUN_ID: existing }, async () => {
      const client = TrackingClient.fromEnv({ onNotice: () => {} });
      const run = await client.startRun();
      assert.equal(run.runId, existing, "attached to the run MLFLOW_RUN_ID names");
      await client.close();
    });
  } finally {
    await server.close();
  }
});
