/** A param that cannot change costs only itself: the rest of its batch is delivered. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeliveryError, ParamConflictError, TrackingClient } from "../mod.ts";
import { setup } from "./helpers.ts";
import { test } from "./harness.ts";

const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;

function conflictOf(err: unknown): ParamConflictError {
  assert.ok(err instanceof DeliveryError, String(err));
  const found = err.errors.find((e) => e instanceof ParamConflictError);
  assert.ok(found instanceof ParamConflictError, err.errors.map(String).join("\n"));
  return found;
}

test("a worker's param refused by the server costs only that param, not its 500 points", async () => {
  await using t = await setup();
  const first = await t.client.startRun({ runName: "shared" });
  const runId = first.runId;
  // The second worker re-opens the run by id (its params are loaded: none yet) ...
  const second = new TrackingClient({
    apiHost: t.url,
    flushIntervalMs: 20,
    spoolPath: t.spoolPath,
  });
  const run = await second.startRun({ runId });
  // ... then another process logs worker=0 into it ...
  if (deno !== undefined) {
    // Not execFileSync: the server answering it runs in this process.
    const { stdout: out } = await promisify(execFile)(deno.execPath(), [
      "run",
      "-A",
      "tests/fixtures/log_param.ts",
      t.url,
      runId,
      "worker",
      "0",
    ]);
    assert.match(out, /logged/);
  } else {
    first.logParam("worker", "0"); // under Bun: the first client stands in for the process
    await t.client.flush();
  }
  // ... and this worker logs worker=1 with its points in one batch, which the server refuses.
  run.logParam("worker", "1");
  run.logParam("seed", 7);
  for (let step = 0; step < 500; step++) run.logMetric("loss", 1 / (step + 1), { step });
  run.setTag("phase", "train");
  const err = await second.flush().catch((e) => e);
  const conflict = conflictOf(err);
  assert.deepEqual([conflict.key, conflict.existing, conflict.attempted], ["worker", "0", "1"]);
  assert.equal(err.undelivered, 1, "one record refused: the param");
  const stored = t.server.store().runs.get(runId)!;
  assert.equal(stored.history.get("loss")?.length, 500, "every point landed");
  assert.equal(stored.params.get("worker"), "0");
  assert.equal(stored.params.get("seed"), "7");
  assert.equal(stored.tags.get("phase"), "train");
  await second.close().catch(() => {});
});

test("params queued for a run opened in the background are checked once its params load", async () => {
  await using t = await setup();
  const made = await t.client.startRun({ runName: "resumable" });
  made.logParam("lr", 0.1);
  await made.end();
  const requestsBefore = t.server.count("runs/log-batch");
  const run = t.client.openRun({ runName: "resumable" }); // resumes it, in the background
  run.logParam("lr", 0.2); // its params are not known yet: queued
  run.logParam("lr_same", "x");
  run.logMetric("acc", 0.5);
  const err = await t.client.flush().catch((e) => e);
  assert.equal(conflictOf(err).key, "lr");
  assert.equal(err.undelivered, 1);
  const stored = t.server.store().runs.get(made.runId)!;
  assert.equal(stored.params.get("lr"), "0.1");
  assert.equal(stored.latest.get("acc")?.value, 0.5);
  const refused = t.server.requests.slice(requestsBefore).filter((r) =>
    r.route === "runs/log-batch" && JSON.stringify(r.body).includes('"0.2"')
  );
  assert.equal(refused.length, 0, "the conflict was found before any request");
  await run.end();
});

test("offline: a batch with keys the file layout cannot hold together writes the rest, counted exactly", async () => {
  const dir = mkdtempSync(join(tmpdir(), "layout-"));
  try {
    const errors: DeliveryError[] = [];
    const client = new TrackingClient({
      offline: true,
      storagePath: dir,
      onError: (e) => errors.push(e),
    });
    const run = await client.startRun();
    for (let step = 0; step < 10; step++) {
      run.logMetric("a", step, { step });
      run.logMetric("a/b", step, { step }); // 'a' is a file: 'a/b' cannot be one below it
      run.logMetric("ok", step, { step });
    }
    run.logParam(".tmp-looking", "kept");
    run.setTag("t", "1");
    const err = await client.flush().catch((e) => e);
    assert.ok(err instanceof DeliveryError, String(err));
    assert.equal(err.undelivered, 10, "the ten points of 'a/b', no more");
    assert.match(err.errors[0].message, /metric 'a\/b'/);
    const got = await client.getRun(run.runId);
    assert.deepEqual(Object.keys(got.data.metrics).sort(), ["a", "ok"]);
    assert.equal((await client.getMetricHistory(run.runId, "ok")).length, 10);
    assert.equal(
      got.data.params[".tmp-looking"],
      "kept",
      "a key that looks like a temp file is kept",
    );
    assert.equal(got.data.tags.t, "1");
    await run.end();
    await client.close();
    const params = readdirSync(join(dir, "0", run.runId, "params"));
    assert.deepEqual(params, [".tmp-looking"], "no temp file is left behind");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
