/**
 * The trained tfjs model kept with its run: `logModel` saves model.json and
 * weights.bin under `model/`; downloaded (or loaded straight from the artifact
 * service's URL) and loaded with tf.loadLayersModel, it predicts exactly what
 * the trained model predicts. Real tfjs training on the CPU backend.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { ValidationError } from "../mod.ts";
import { logTfModel, trackingCallback } from "../integrations/tfjs.ts";
import { setup } from "./helpers.ts";
import { test } from "./harness.ts";

tf.env().set("IS_TEST", true);
await tf.setBackend("cpu");

function trained() {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 8, inputShape: [3], activation: "relu" }));
  model.add(tf.layers.dense({ units: 2, activation: "softmax" }));
  model.compile({ optimizer: tf.train.adam(0.05), loss: "categoricalCrossentropy" });
  const x = tf.randomNormal([64, 3], 0, 1, "float32", 7);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 2), "int32"), 2);
  const probe = tf.tensor2d([[0.1, -0.2, 0.3], [1, 1, 1], [-2, 0.5, 0]]);
  return { model, x, y, probe };
}

/** A model from a downloaded folder, as tfjs-node's file:// handler would read it. */
function fromFolder(dir: string): tf.io.IOHandler {
  const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
  const weights = readFileSync(join(dir, json.weightsManifest[0].paths[0]));
  return tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest[0].weights,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length),
  });
}

test("logModel: the trained model, downloaded and loaded back, predicts what it predicted", async () => {
  await using t = await setup();
  const { model, x, y, probe } = trained();
  const callbacks = trackingCallback(t.client, { model, runName: "keep-model", logModel: true });
  await model.fit(x, y, { epochs: 3, verbose: 0, callbacks });
  await t.client.flush(); // the run's end waits for the upload; flush waits for the end
  const { runId } = await callbacks.run!.ready;

  assert.deepEqual((await t.client.listArtifacts(runId, "model")).map((e) => e.path), [
    "model/MLmodel",
    "model/model.json",
    "model/weights.bin",
  ]);
  const dir = mkdtempSync(join(tmpdir(), "tfjs-model-"));
  try {
    const folder = await t.client.downloadArtifacts(runId, "model", dir);
    const loaded = await tf.loadLayersModel(fromFolder(folder));
    const want = (model.predict(probe) as tf.Tensor).arraySync();
    assert.deepEqual((loaded.predict(probe) as tf.Tensor).arraySync(), want);

    // Or straight from MLflow's artifact service, as tfjs loads any model.json URL.
    const url = `${t.url}/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/model/model.json`;
    const overHttp = await tf.loadLayersModel(url);
    assert.deepEqual((overHttp.predict(probe) as tf.Tensor).arraySync(), want);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(t.server.store().runs.get(runId)!.info.status, "FINISHED");
});

test("logModel with an artifactPath, into an active run the callback leaves open", async () => {
  await using t = await setup();
  const { model, x, y } = trained();
  await t.client.withRun({ runName: "outer" }, async (run) => {
    await model.fit(x, y, {
      epochs: 1,
      verbose: 0,
      callbacks: trackingCallback(t.client, { model, logModel: { artifactPath: "ckpt/final" } }),
    });
    assert.equal(t.client.activeRun(), run);
  });
  const [stored] = [...t.server.store().runs.values()];
  const files = t.server.store().artifacts.list(`0/${stored.info.run_id}/artifacts/ckpt/final`);
  assert.deepEqual(files.map((f) => f.path), ["MLmodel", "model.json", "weights.bin"]);
});

test("logTfModel saves a model on demand and resolves once stored; logModel needs a model", async () => {
  await using t = await setup();
  const { model } = trained();
  const run = await t.client.startRun();
  await logTfModel(run, model, "exported");
  const json = await t.server.store().artifacts.bytes(
    `0/${run.runId}/artifacts/exported/model.json`,
  );
  assert.equal(JSON.parse(new TextDecoder().decode(json)).format, "layers-model");
  await run.end();
  assert.throws(() => trackingCallback(t.client, { logModel: true }), ValidationError);
});
