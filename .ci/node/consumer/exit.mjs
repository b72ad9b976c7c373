// At exit on Node, as a user of the packed tarball: a script that logs 15 points over 300 ms and
// then throws, leaves a rejection unhandled, calls process.exit() or simply ends, without close(),
// keeps every point and ends its run FAILED or FINISHED; the user's error still ends the process
// non-zero with its stack printed; SIGINT or SIGTERM ends it KILLED and the process still dies of
// the signal. (Deno and Bun: tests/exit_hooks_test.ts, tests/exit_signals_test.ts.)
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { tracked, TrackingClient } from "@oicm/tracking";
import { FakeMlflowServer } from "@oicm/tracking/testing";

const [role, mode, dir] = process.argv.slice(2);
if (role === "refused") {
  // A tracked call whose background runs/create is refused, then close(): the process must exit
  // at once, not after flushIntervalMs.
  const client = new TrackingClient({
    apiHost: mode,
    flushIntervalMs: 30_000,
    retry: { maxRetries: 0 },
    onNotice: () => {},
    onError: () => {},
  });
  const train = tracked((epochs) => {
    for (let e = 0; e < epochs; e++) client.logMetric("loss", 1 / (e + 1), { step: e });
  }, { client });
  train(3);
  await client.close().catch(() => {});
  console.log("closed");
} else if (role === "child") {
  // Nothing is written before the exit unless the script ends on its own (then the timer writes).
  const flushIntervalMs = mode === "clean" ? 50 : 60_000;
  const client = new TrackingClient({ offline: true, storagePath: dir, flushIntervalMs });
  await client.setExperiment("exits");
  const run = await client.startRun({ runName: "doomed" });
  run.logParam("lr", 0.1);
  for (let i = 0; i < 15; i++) {
    run.logMetric("loss", 1 / (i + 1), { step: i });
    await new Promise((r) => setTimeout(r, 20));
  }
  console.log(`logged ${run.runId}`);
  if (mode === "throw") throw new Error("boom after training");
  if (mode === "reject") void Promise.reject(new Error("rejected after training"));
  if (mode === "exit0") process.exit(0);
  if (mode === "exit3") process.exit(3);
  if (mode === "signal") {
    setInterval(() => {}, 1_000); // training goes on until Ctrl-C or kill
    console.log("waiting");
  }
} else {
  const expected = {
    throw: ["FAILED", true, /boom after training/],
    reject: ["FAILED", true, /rejected after training/],
    exit0: ["FINISHED", false],
    exit3: ["FAILED", true],
    clean: ["FINISHED", false],
  };
  for (const [m, [status, failed, says]] of Object.entries(expected)) {
    const store = mkdtempSync(join(tmpdir(), `node-exit-${m}-`));
    try {
      const child = spawnSync(
        process.execPath,
        [fileURLToPath(import.meta.url), "child", m, store],
        {
          encoding: "utf8",
          timeout: 30_000,
        },
      );
      const out = child.stdout + child.stderr;
      assert.equal(child.status !== 0, failed, `${m}: exit code ${child.status}\n${out}`);
      if (says) assert.match(out, says, `${m}: the user's error is printed`);
      const runId = /logged (\w+)/.exec(out)[1];
      const client = new TrackingClient({ offline: true, storagePath: store, onNotice: () => {} });
      const run = await client.getRun(runId);
      assert.equal(run.info.status, status, m);
      assert.equal((await client.getMetricHistory(runId, "loss")).length, 15, m);
      assert.deepEqual(run.data.params, { lr: "0.1" });
      await client.close();
      console.log(`exit ok: ${m} -> ${status}, 15 points`);
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  }
  // Ctrl-C (SIGINT) or kill (SIGTERM) during training: points kept, the run ends KILLED, and
  // the process still dies of the signal.
  for (const signal of ["SIGINT", "SIGTERM"]) {
    const store = mkdtempSync(join(tmpdir(), `node-exit-${signal}-`));
    try {
      const child = spawn(process.execPath, [
        fileURLToPath(import.meta.url),
        "child",
        "signal",
        store,
      ]);
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        if (out.includes("waiting") && !child.signalSent) {
          child.signalSent = true;
          child.kill(signal);
        }
      });
      child.stderr.on("data", (d) => out += d);
      const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      const died = await new Promise((r) => child.on("exit", (code, sig) => r(sig ?? code)));
      clearTimeout(killer);
      assert.equal(died, signal, `${signal}: ended by ${died}\n${out}`);
      const runId = /logged (\w+)/.exec(out)[1];
      const client = new TrackingClient({ offline: true, storagePath: store, onNotice: () => {} });
      const run = await client.getRun(runId);
      assert.equal(run.info.status, "KILLED", signal);
      assert.equal((await client.getMetricHistory(runId, "loss")).length, 15, signal);
      await client.close();
      console.log(`exit ok: ${signal} -> KILLED, 15 points, died of ${signal}`);
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  }
  const server = new FakeMlflowServer();
  server.faults.failNext(1, 403, { route: "runs/create" });
  const { url } = await server.listen();
  const started = Date.now();
  // Not spawnSync: the server in this process must answer meanwhile.
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "refused", url]);
  let out = "";
  child.stdout.on("data", (d) => out += d);
  child.stderr.on("data", (d) => out += d);
  const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const status = await new Promise((r) => child.on("exit", (code) => r(code)));
  clearTimeout(killer);
  await server.close();
  const took = Date.now() - started;
  assert.equal(status, 0, out);
  assert.match(out, /closed/);
  assert.ok(took < 10_000, `the process lived ${took} ms (flushIntervalMs is 30 s)`);
  console.log(`exit ok: a refused tracked run, close(), exited in ${took} ms`);
}
