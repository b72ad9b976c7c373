/** A process SIGKILLed mid-training leaves a store that reads whole and resumes. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TrackingClient } from "../mod.ts";

Deno.test("SIGKILL mid-training: every file whole, at most the last interval lost, run resumes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "killed-"));
  try {
    const child = spawn(Deno.execPath(), ["run", "-A", "tests/fixtures/train_forever.ts", dir]);
    let out = "";
    child.stdout.on("data", (d) => out += d);
    const exited = new Promise((r) => child.on("exit", r));
    const deadline = Date.now() + 20_000;
    while (!/logged [1-9]\d{3,}/.test(out) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGKILL");
    await exited;
    const runId = /started (\w+)/.exec(out)![1];
    const lastLogged = Math.max(...[...out.matchAll(/logged (\d+)/g)].map((m) => Number(m[1])));

    const client = new TrackingClient({ offline: true, storagePath: dir });
    await client.setExperiment("killed");
    const run = await client.getRun(runId);
    assert.equal(run.info.status, "RUNNING", "meta.yaml intact");
    assert.deepEqual(run.data.params, { lr: "0.01" });
    for (const key of ["loss", "val/acc"]) {
      const history = await client.getMetricHistory(runId, key);
      // Whole lines only, steps 0..n-1 with no hole; at most a flush interval behind.
      assert.ok(history.length > 0);
      assert.ok(history.every((p, i) => p.step === i && Number.isFinite(p.value)), key);
      assert.ok(history.length >= lastLogged - 2_000, `${history.length} of ${lastLogged}`);
    }
    const raw = readFileSync(join(dir, run.info.experimentId, runId, "metrics", "loss"), "utf8");
    assert.ok(raw.endsWith("\n"), "no torn last line");
    // Resume the run by id and finish it (offline, a name alone makes a new run).
    const resumed = await client.startRun({ runId });
    assert.equal(resumed.runId, runId);
    const next = (await client.getMetricHistory(runId, "loss")).length;
    resumed.logMetric("loss", 0, { step: next });
    await client.endRun("KILLED");
    const after = await client.getRun(runId);
    assert.equal(after.info.status, "KILLED");
    assert.equal(after.data.metrics.loss, 0);
    await client.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
