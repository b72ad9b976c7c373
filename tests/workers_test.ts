/** Workers of a distributed job, each its own process, log into one run (MLFLOW_RUN_ID). */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { TrackingClient } from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { runScript } from "./fixtures/runtime.ts";
import { test } from "./harness.ts";

function worker(index: number, env: Record<string, string>): Promise<string> {
  const [cmd, args] = runScript("tests/fixtures/worker.ts", String(index));
  const child = spawn(cmd, args, { env: { ...process.env, ...env } });
  let out = "";
  child.stdout.on("data", (d) => out += d);
  child.stderr.on("data", (d) => out += d);
  return new Promise((resolve, reject) =>
    child.on("exit", (code) => code === 0 ? resolve(out) : reject(new Error(out)))
  );
}

test("three worker processes log into one run, system metrics under each node id", async () => {
  const server = new FakeMlflowServer();
  const { url } = await server.listen();
  const spool = mkdtempSync(join(tmpdir(), "workers-"));
  try {
    const coordinator = new TrackingClient({ apiHost: url, spoolPath: spool });
    await coordinator.setExperiment("distributed");
    const run = await coordinator.startRun({ runName: "all-reduce" });
    const env = {
      MLFLOW_TRACKING_URI: url,
      MLFLOW_RUN_ID: run.runId,
      SPOOL_PATH: spool,
    };
    const outs = await Promise.all(
      [0, 1, 2].map((i) => worker(i, { ...env, MLFLOW_SYSTEM_METRICS_NODE_ID: `node-${i}` })),
    );
    outs.forEach((out, i) => assert.match(out, new RegExp(`worker ${i} logged into ${run.runId}`)));
    const stored = server.store().runs.get(run.runId)!;
    assert.equal(server.store().runs.size, 1, "one run, no other made");
    for (const i of [0, 1, 2]) {
      assert.equal(stored.history.get(`worker_${i}/loss`)?.length, 20);
      assert.equal(stored.params.get(`worker_${i}`), `node-${i}`);
      assert.ok(
        stored.history.has(`system/node-${i}/process_memory_rss_megabytes`),
        `node-${i}'s samples: ${[...stored.history.keys()].join(", ")}`,
      );
    }
    assert.equal(
      [...stored.history.keys()].filter((k) => /^system\/[a-z_]+$/.test(k)).length,
      0,
      "no sample without its node id",
    );
    await coordinator.close();
  } finally {
    await server.close();
    rmSync(spool, { recursive: true, force: true });
  }
});
