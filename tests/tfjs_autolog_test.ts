/**
 * tfjs autolog: one line, and every fit is recorded as the explicit callback
 * records it (real scripts in child processes, real tfjs training on the CPU);
 * calls carrying a tracking callback are left alone; tf.Callback instances are
 * joined; a throw ends the run FAILED; undo restores fit.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { TrackingClient } from "../mod.ts";
import { autolog, trackingCallback } from "../integrations/tfjs.ts";
import { runScript } from "./fixtures/runtime.ts";
import { inProcess } from "./helpers.ts";
import { test } from "./harness.ts";

tf.env().set("IS_TEST", true);
await tf.setBackend("cpu");

function dense() {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 4, inputShape: [2], activation: "relu" }));
  model.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
  model.compile({ optimizer: tf.train.adam(0.05), loss: "binaryCrossentropy" });
  const x = tf.tensor2d([[1, 1], [-1, -1], [1, 0.5], [-1, -0.5]]);
  const y = tf.tensor2d([[1], [0], [1], [0]]);
  return { model, x, y };
}

/** A run read back whole: params, metric histories, tags other than per-run ones, artifacts. */
async function readBack(store: string) {
  const client = new TrackingClient({ offline: true, storagePath: store, onNotice: () => {} });
  await client.setExperiment("script");
  const [run] = await client.searchRuns();
  const histories: Record<string, number[][]> = {};
  for (const key of Object.keys(run.data.metrics).sort()) {
    histories[key] = (await client.getMetricHistory(run.info.runId, key)).map((p) => [
      p.step,
      p.value,
    ]);
  }
  const tags = Object.fromEntries(
    Object.entries(run.data.tags).filter(([k]) => !k.startsWith("mlflow.")),
  );
  const files = (await client.listArtifacts(run.info.runId, "model")).map((e) => e.path);
  await client.close();
  return {
    name: run.info.runName,
    status: run.info.status,
    params: run.data.params,
    histories,
    tags,
    files,
  };
}

test("a script with only autolog(...) added records the same run as one passing trackingCallback", async () => {
  const dir = mkdtempSync(join(tmpdir(), "autolog-"));
  try {
    const script = "tests/fixtures/tfjs_script.ts";
    const stores = { explicit: join(dir, "explicit"), autolog: join(dir, "autolog") };
    await Promise.all(
      Object.entries(stores).map(([mode, store]) => {
        const [cmd, argv] = runScript(script, mode, store);
        return promisify(execFile)(cmd, argv, { timeout: 120_000 });
      }),
    );
    const explicit = await readBack(stores.explicit);
    const auto = await readBack(stores.autolog);
    assert.equal(explicit.status, "FINISHED");
    assert.deepEqual(Object.keys(explicit.histories), ["acc", "loss", "val_acc", "val_loss"]);
    assert.equal(explicit.histories.loss.length, 4);
    assert.equal(explicit.params.epochs, "4");
    assert.deepEqual(explicit.files, ["model/MLmodel", "model/model.json", "model/weights.bin"]);
    assert.deepEqual(auto, explicit);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("autolog records fit and fitDataset; undo restores them", async () => {
  const { client, runs } = inProcess();
  const undo = autolog(client, { tf });
  try {
    const { model, x, y } = dense();
    await model.fit(x, y, { epochs: 2, verbose: 0 });
    const ds = tf.data.zip({ xs: tf.data.array([[1, 1], [-1, -1]]), ys: tf.data.array([[1], [0]]) })
      .batch(2) as unknown as tf.data.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }>;
    await model.fitDataset(ds, { epochs: 3, verbose: 0 });
    await client.flush();
    assert.equal(runs().length, 2);
    const steps = runs().map((r) => r.history.get("loss")!.length).sort();
    assert.deepEqual(steps, [2, 3]);
    assert.ok(runs().every((r) => r.info.status === "FINISHED"));
  } finally {
    undo();
  }
  const { model, x, y } = dense();
  await model.fit(x, y, { epochs: 1, verbose: 0 });
  await client.flush();
  assert.equal(runs().length, 2, "after undo, fit records nothing");
  await client.close();
});

test("autolog leaves a call that carries a tracking callback alone: one run, not two", async () => {
  const { client, runs } = inProcess();
  const undo = autolog(client, { tf });
  try {
    const { model, x, y } = dense();
    await model.fit(x, y, {
      epochs: 2,
      verbose: 0,
      callbacks: [trackingCallback(client, { model, runName: "explicit" })],
    });
    await client.flush();
    assert.deepEqual(runs().map((r) => r.info.run_name), ["explicit"]);
  } finally {
    undo();
  }
  await client.close();
});

test("autolog joins tf.Callback instances such as tf.callbacks.earlyStopping", async () => {
  const { client, runs } = inProcess();
  const undo = autolog(client, { tf });
  try {
    const { model, x, y } = dense();
    const h = await model.fit(x, y, {
      epochs: 50,
      verbose: 0,
      callbacks: [tf.callbacks.earlyStopping({ monitor: "loss", patience: 0, minDelta: 10 })],
    });
    await client.flush();
    assert.equal(runs().length, 1, "one run for one fit");
    const [run] = runs();
    assert.equal(h.epoch.length, 2, "tfjs's early stopping stopped after the second epoch");
    assert.equal(run.history.get("loss")!.length, 2);
    assert.equal(run.latest.get("stopped_epoch")?.value, 1);
  } finally {
    undo();
  }
  await client.close();
});

test("under autolog a failing fit ends the run FAILED with the error, and rethrows it", async () => {
  const { client, runs } = inProcess();
  const undo = autolog(client, { tf });
  try {
    const { model, x } = dense();
    const wrongShape = tf.tensor2d([[1, 2, 3]]);
    await assert.rejects(model.fit(x, wrongShape, { epochs: 1, verbose: 0 }));
    await client.flush();
    const [run] = runs();
    assert.equal(run.info.status, "FAILED");
    assert.match(run.tags.get("error.message") ?? "", /\S/);
  } finally {
    undo();
  }
  await client.close();
});

test("autolog without the tfjs module is a ValidationError naming the fix", () => {
  const { client } = inProcess();
  assert.throws(
    () => autolog(client, {} as never),
    /autolog needs the tfjs module: autolog\(client, \{ tf \}\)/,
  );
});

test("after await model.fit under autolog offline, lastActiveRun().runId reads at once (it threw 'still being created')", async () => {
  const dir = mkdtempSync(join(tmpdir(), "autolog-last-"));
  try {
    const client = new TrackingClient({ offline: true, storagePath: dir, onNotice: () => {} });
    await client.setExperiment("fit-then-read");
    const undo = autolog(client, { tf });
    try {
      const { model, x, y } = dense();
      await model.fit(x, y, { epochs: 2, verbose: 0 });
    } finally {
      undo();
    }
    const last = client.lastActiveRun()!;
    const runId = last.runId; // synchronously: the fit recorded this run
    assert.equal(
      last.info.experimentId,
      (await client.getExperimentByName("fit-then-read"))!.experimentId,
    );
    await client.flush();
    const stored = await client.getRun(runId);
    assert.equal(stored.info.status, "FINISHED");
    assert.equal((await client.getMetricHistory(runId, "loss")).length, 2);
    await client.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("online, a run says it is still being created only until the server has it", async () => {
  const { client, server } = inProcess();
  server.faults.latency(30);
  const run = client.openRun({ runName: "slow" });
  assert.throws(() => run.runId, /still being created/);
  const info = await run.ready;
  assert.equal(run.runId, info.runId);
  await run.end();
  assert.equal(client.lastActiveRun()?.runId, info.runId);
  await client.close();
});
