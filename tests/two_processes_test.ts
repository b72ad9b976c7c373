/**
 * Several real processes on one store or spool: syncs exclude each other, experiment creation
 * and param writes are atomic, and every point arrives exactly once.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TrackingClient } from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { runScript } from "./fixtures/runtime.ts";
import { test } from "./harness.ts";

/** A child on a script of this runtime, its output collected; `done` resolves on exit. */
function child(script: string, ...args: string[]) {
  const [cmd, argv] = runScript(script, ...args);
  const proc: ChildProcess = spawn(cmd, argv, { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stdout!.on("data", (d) => out += d);
  proc.stderr!.on("data", (d) => err += d);
  const done = new Promise<number>((resolve) => proc.on("exit", (code) => resolve(code ?? -1)));
  return {
    proc,
    done,
    out: () => out,
    err: () => err,
    async waitFor(pattern: RegExp, ms = 60_000): Promise<RegExpExecArray> {
      const deadline = Date.now() + ms;
      for (;;) {
        const m = pattern.exec(out);
        if (m) return m;
        if (Date.now() > deadline) throw new Error(`no ${pattern} in: ${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

function tempDir(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

test("two `cli sync` processes over one store create each run once and send each point once", async () => {
  using store = tempDir("two-syncs-");
  const local = new TrackingClient({ offline: true, storagePath: store.dir });
  await local.setExperiment("shared");
  const parent = await local.startRun({ runName: "parent" });
  for (let step = 0; step < 20_000; step++) parent.logMetric("loss", step, { step });
  const kid = await local.startRun({ runName: "kid", nested: true });
  for (let step = 0; step < 5_000; step++) kid.logMetric("acc", step, { step });
  await kid.end();
  await parent.end();
  await local.close();

  const server = new FakeMlflowServer({ recordRequests: false });
  const { url } = await server.listen();
  try {
    const a = child("src/cli.ts", "sync", store.dir, "--to", url);
    const b = child("src/cli.ts", "sync", store.dir, "--to", url);
    assert.deepEqual(await Promise.all([a.done, b.done]), [0, 0], a.err() + b.err());
    const runs = [...server.store().runs.values()];
    assert.equal(runs.length, 2, "each run created once");
    const remoteParent = runs.find((r) => r.info.run_name === "parent")!;
    const remoteKid = runs.find((r) => r.info.run_name === "kid")!;
    assert.equal(remoteParent.history.get("loss")!.length, 20_000, "each point once");
    assert.equal(remoteKid.history.get("acc")!.length, 5_000);
    // The child points at its parent's run on the server, not at the local id.
    assert.equal(remoteKid.tags.get("mlflow.parentRunId"), remoteParent.info.run_id);
    assert.ok(
      `${a.err()}${b.err()}${a.out()}${b.out()}`.includes("waiting for"),
      "one waited for the other",
    );
  } finally {
    await server.close();
  }
});

test("`cli sync` of a spool while its owner drains it sends each point once", async () => {
  using spool = tempDir("owned-spool-");
  const server = new FakeMlflowServer({ recordRequests: false });
  const { url } = await server.listen();
  try {
    server.faults.failNext(1_000_000, 503, { route: "runs/log-batch" }); // down for its points
    const owner = child("tests/fixtures/spool_owner.ts", url, spool.dir, "30000");
    const runId = (await owner.waitFor(/spooled (\w+)/))[1];
    server.faults.clear(); // back: the owner drains on close, the CLI syncs, at once
    owner.proc.stdin!.write("go\n");
    const cli = child("src/cli.ts", "sync", spool.dir, "--to", url);
    assert.equal(await cli.done, 0, cli.err());
    assert.equal(await owner.done, 0, owner.err());
    assert.match(owner.out(), /closed/);
    const stored = server.store().runs.get(runId)!;
    assert.equal(server.store().runs.size, 1, "no run created by the CLI for a spooled run");
    const steps = stored.history.get("loss")!.map((p) => p.step);
    assert.equal(steps.length, 30_000, "each point once");
    assert.equal(new Set(steps).size, 30_000);
    assert.equal(stored.info.status, "FINISHED");
  } finally {
    await server.close();
  }
});

test("processes racing to set one experiment on a fresh store make one experiment", async () => {
  using store = tempDir("race-exp-");
  const go = join(store.dir, "..", `${store.dir.split("/").pop()}.go`);
  const racers = Array.from(
    { length: 4 },
    () => child("tests/fixtures/offline_race.ts", "experiment", store.dir, go, "shared"),
  );
  await new Promise((r) => setTimeout(r, 300)); // every racer started and waiting
  writeFileSync(go, "");
  try {
    assert.deepEqual(await Promise.all(racers.map((r) => r.done)), [0, 0, 0, 0]);
    const ids = racers.map((r) => r.out().trim());
    assert.equal(new Set(ids).size, 1, `one experiment id, got ${ids.join(", ")}`);
    const client = new TrackingClient({ offline: true, storagePath: store.dir });
    const named = (await client.searchExperiments()).filter((e) => e.name === "shared");
    assert.equal(named.length, 1);
    const dirs = readdirSync(store.dir).filter((n) => !n.startsWith("."));
    assert.deepEqual(dirs.sort(), ["0", ids[0]].sort(), "no second experiment folder");
  } finally {
    rmSync(go, { force: true });
  }
});

test("processes racing to log one param with different values: exactly one wins", async () => {
  using store = tempDir("race-param-");
  const client = new TrackingClient({ offline: true, storagePath: store.dir });
  const run = await client.startRun({ runName: "contested" });
  await client.close();
  const go = join(store.dir, "..", `${store.dir.split("/").pop()}.go`);
  const racers = ["a", "b", "c"].map((value) =>
    child("tests/fixtures/offline_race.ts", "param", store.dir, go, run.runId, value)
  );
  await new Promise((r) => setTimeout(r, 300));
  writeFileSync(go, "");
  try {
    await Promise.all(racers.map((r) => r.done));
    const results = racers.map((r) => r.out().trim());
    assert.equal(results.filter((r) => r === "ok").length, 1, results.join(", "));
    assert.equal(results.filter((r) => r === "ParamConflictError").length, 2, results.join(", "));
    const reader = new TrackingClient({ offline: true, storagePath: store.dir });
    const winner = ["a", "b", "c"][results.indexOf("ok")];
    assert.equal((await reader.getRun(run.runId)).data.params.worker, winner);
    assert.ok(!existsSync(join(store.dir, ".sync.lock")));
  } finally {
    rmSync(go, { force: true });
  }
});
