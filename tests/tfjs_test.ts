/** The tfjs adapter with real training on the CPU backend; runs under Deno and Bun. */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  fitDatasetWithTracking,
  fitWithTracking,
  type TfLogs,
  trackingCallback,
} from "../integrations/tfjs.ts";
import type { StoredRun } from "../src/testing/mod.ts";
import { test } from "./harness.ts";
import { inProcess } from "./helpers.ts";

tf.env().set("IS_TEST", true); // no tip to install tfjs-node in the test output
await tf.setBackend("cpu");

const fixture = () => inProcess();

/** A small classifier on two separable blobs; deterministic enough for a few epochs. */
function problem(n = 96) {
  const xs: number[][] = [];
  const ys: number[][] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    xs.push([label ? 1 + (i % 7) / 10 : -1 - (i % 5) / 10, label ? 0.5 : -0.5]);
    ys.push([label]);
  }
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 4, inputShape: [2], activation: "relu" }));
  model.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
  model.compile({
    optimizer: tf.train.adam(0.05),
    loss: "binaryCrossentropy",
    metrics: ["accuracy"],
  });
  return { model, x: tf.tensor2d(xs), y: tf.tensor2d(ys) };
}

function history(run: StoredRun, key: string): number[] {
  return run.history.get(key)!.sort((a, b) => a.step - b.step).map((p) => p.value);
}

test("fit: per-epoch metrics equal the History, with fit and model params", async () => {
  const { client, runs } = fixture();
  const { model, x, y } = problem();
  const h = await model.fit(x, y, {
    epochs: 5,
    batchSize: 16,
    validationSplit: 0.25,
    verbose: 0,
    callbacks: trackingCallback(client, { model, runName: "dense" }),
  });
  await client.flush();
  const [run] = runs();
  assert.equal(run.info.run_name, "dense");
  assert.equal(run.info.status, "FINISHED");
  for (const key of ["loss", "acc", "val_loss", "val_acc"]) {
    assert.deepEqual(history(run, key), h.history[key], key);
    assert.deepEqual(run.history.get(key)!.map((p) => p.step).sort(), [0, 1, 2, 3, 4]);
  }
  const params = Object.fromEntries(run.params);
  assert.equal(params.epochs, "5");
  assert.equal(params.batch_size, "16");
  assert.equal(params.samples, "72");
  assert.equal(params.do_validation, "true");
  assert.equal(params.metrics, "loss,acc,val_loss,val_acc");
  assert.equal(params.opt_name, "Adam");
  assert.equal(params.opt_learning_rate, "0.05");
  assert.equal(params.loss, "binaryCrossentropy");
  assert.equal(params.trainable_params, String(model.countParams()));
  assert.match(run.tags.get("model_summary")!, /Total params: 17/);
  assert.equal(run.latest.get("stopped_epoch"), undefined, "not stopped early");
  await client.close();
});

test("an active run is used and left open; the callback opens none", async () => {
  const { client, runs } = fixture();
  const { model, x, y } = problem();
  const mine = await client.startRun({ runName: "mine" });
  await model.fit(x, y, { epochs: 2, verbose: 0, callbacks: trackingCallback(client) });
  await client.flush();
  assert.equal(runs().length, 1);
  assert.equal(runs()[0].info.status, "RUNNING");
  assert.equal(runs()[0].history.get("loss")!.length, 2);
  await mine.end();
  await client.close();
});

test("the earlyStopping option stops training and records stopped_epoch", async () => {
  const { client, runs } = fixture();
  const { model, x, y } = problem();
  // Impossible improvement (minDelta huge) with patience 1: stops after epoch 1.
  const h = await model.fit(x, y, {
    epochs: 10,
    verbose: 0,
    callbacks: trackingCallback(client, {
      model,
      earlyStopping: { monitor: "loss", patience: 1, minDelta: 100 },
    }),
  });
  await client.flush();
  assert.deepEqual(h.epoch, [0, 1, 2]);
  const [run] = runs();
  assert.equal(run.latest.get("stopped_epoch")?.value, 2);
  assert.equal(run.history.get("loss")!.length, 3);
  await client.close();
});

test("a user's own stop (model.stopTraining in a chained callback) records stopped_epoch", async () => {
  const { client, runs } = fixture();
  const { model, x, y } = problem();
  const seen: number[] = [];
  await model.fit(x, y, {
    epochs: 8,
    verbose: 0,
    callbacks: trackingCallback(client, {
      callbacks: [{
        onEpochEnd(epoch: number) {
          seen.push(epoch);
          if (epoch === 3) model.stopTraining = true;
        },
      }],
    }),
  });
  await client.flush();
  assert.deepEqual(seen, [0, 1, 2, 3], "the chained callback ran each epoch");
  assert.equal(runs()[0].latest.get("stopped_epoch")?.value, 3);
  await client.close();
});

test("a failing fit ends the run FAILED and rethrows the same error", async () => {
  const { client, runs } = fixture();
  const { model, x } = problem();
  const wrongY = tf.zeros([5, 1]); // 96 samples, 5 targets
  let thrown: unknown;
  try {
    await fitWithTracking(client, model, x, wrongY, { epochs: 2, verbose: 0 }, { runName: "bad" });
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown instanceof Error);
  await client.flush();
  const [run] = runs();
  assert.equal(run.info.status, "FAILED");
  assert.equal(run.tags.get("error.message"), (thrown as Error).message.slice(0, 5000));
  // And a throw in the middle of training (from a chained callback):
  const { model: m2, x: x2, y: y2 } = problem();
  const boom = new Error("diverged at epoch 1");
  await assert.rejects(
    fitWithTracking(client, m2, x2, y2, {
      epochs: 4,
      verbose: 0,
      callbacks: {
        onEpochEnd(e: number) {
          if (e === 1) throw boom;
        },
      },
    }, { runName: "mid" }),
    (e) => e === boom,
  );
  await client.flush();
  const mid = runs().find((r) => r.info.run_name === "mid")!;
  assert.equal(mid.info.status, "FAILED");
  assert.equal(mid.history.get("loss")!.length, 2, "epochs 0 and 1 were logged");
  await client.close();
});

test("a tf.Callback subclass (tensor logs) records the same as the plain object", async () => {
  const { client, runs } = fixture();
  const plainSetup = problem();
  const subSetup = problem();
  subSetup.model.setWeights(plainSetup.model.getWeights());
  const plain = trackingCallback(client, { runName: "plain" });
  await plainSetup.model.fit(plainSetup.x, plainSetup.y, {
    epochs: 3,
    verbose: 0,
    shuffle: false,
    callbacks: plain,
  });
  const inner = trackingCallback(client, { runName: "sub" });
  class Delegating extends tf.Callback {
    override async onTrainBegin(logs?: tf.Logs) {
      await inner.onTrainBegin!.call(this as never, logs as TfLogs);
    }
    override async onEpochEnd(epoch: number, logs?: tf.Logs) {
      await inner.onEpochEnd!.call(this as never, epoch, logs as unknown as TfLogs);
    }
    override async onTrainEnd(logs?: tf.Logs) {
      await inner.onTrainEnd!.call(this as never, logs as TfLogs);
    }
  }
  await subSetup.model.fit(subSetup.x, subSetup.y, {
    epochs: 3,
    verbose: 0,
    shuffle: false,
    callbacks: [new Delegating()],
  });
  await client.flush();
  const a = runs().find((r) => r.info.run_name === "plain")!;
  const b = runs().find((r) => r.info.run_name === "sub")!;
  for (const key of ["loss", "acc"]) {
    const x = history(a, key);
    const y = history(b, key);
    assert.equal(x.length, 3);
    x.forEach((v, i) => assert.ok(Math.abs(v - y[i]) < 1e-6, `${key}[${i}] ${v} vs ${y[i]}`));
  }
  assert.deepEqual(Object.fromEntries(a.params), Object.fromEntries(b.params));
  await client.close();
});

test("fitDataset: steps instead of samples and batch size; metrics per epoch", async () => {
  const { client, runs } = fixture();
  const { model } = problem();
  const points = Array.from({ length: 40 }, (_, i) => ({ xs: [i % 2 ? 1 : -1, 0.1], ys: [i % 2] }));
  const ds = tf.data.array(points).map((p) => {
    const { xs, ys } = p as { xs: number[]; ys: number[] };
    return { xs: tf.tensor1d(xs), ys: tf.tensor1d(ys) };
  }).batch(8);
  const h = await fitDatasetWithTracking(client, model, ds, { epochs: 3, verbose: 0 }, {
    runName: "ds",
  });
  await client.flush();
  const [run] = runs();
  const params = Object.fromEntries(run.params);
  assert.equal(params.samples, undefined);
  assert.equal(params.batch_size, undefined);
  assert.equal(params.epochs, "3");
  assert.deepEqual(history(run, "loss"), h.history.loss);
  await client.close();
});

test("per-batch logging: batch/<key> at the global batch index; epochs stay one point each", async () => {
  const { client, runs } = fixture();
  const { model, x, y } = problem(64);
  await model.fit(x, y, {
    epochs: 2,
    batchSize: 16,
    verbose: 0,
    callbacks: trackingCallback(client, { logEveryNBatches: 1 }),
  });
  await client.flush();
  const [run] = runs();
  assert.deepEqual(run.history.get("batch/loss")!.map((p) => p.step), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(run.history.get("loss")!.length, 2);
  assert.equal(run.history.get("batch/batch"), undefined);
  await client.close();
});

test("fit with tf.Callback instances is refused with a clear error, before training", async () => {
  const { client } = fixture();
  const { model, x, y } = problem();
  await assert.rejects(
    fitWithTracking(client, model, x, y, {
      epochs: 1,
      callbacks: [tf.callbacks.earlyStopping({ patience: 1 })],
    }),
    /cannot mix tf.Callback instances/,
  );
  await client.close();
});

test("a run the callback opened and never saw end is ended KILLED by close()", async () => {
  const { client, runs } = fixture();
  const cb = trackingCallback(client);
  await cb.onTrainBegin!.call({ params: { epochs: 3 } } as never);
  await cb.onEpochEnd!.call({ params: { epochs: 3 } } as never, 0, { loss: 1 });
  await client.close();
  assert.equal(runs()[0].info.status, "KILLED");
  assert.equal(runs()[0].latest.get("loss")?.value, 1);
});

test("two fits without a runName are two runs: a rerun never merges into the last one", async () => {
  const { client, runs } = fixture();
  await client.setExperiment("reruns");
  for (const lr of [0.05, 0.01]) {
    const { model, x, y } = problem();
    await model.fit(x, y, {
      epochs: 2,
      verbose: 0,
      callbacks: trackingCallback(client, { model, tags: { lr: String(lr) } }),
    });
  }
  await client.flush();
  const all = runs();
  assert.equal(all.length, 2);
  assert.notEqual(all[0].info.run_name, all[1].info.run_name);
  for (const run of all) assert.deepEqual(run.history.get("loss")!.map((p) => p.step), [0, 1]);
  await client.close();
});
