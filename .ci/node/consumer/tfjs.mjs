// The tfjs adapter with real training on Node 20, against the fake server.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { TrackingClient } from "@oicm/tracking";
import { FakeMlflowServer } from "@oicm/tracking/testing";
import { fitWithTracking } from "@oicm/tracking/tfjs";

tf.enableProdMode(); // the pure-JS CPU backend on purpose: no tip to install tfjs-node
await tf.setBackend("cpu");
const server = new FakeMlflowServer();
const { url } = await server.listen();
const client = new TrackingClient({ apiHost: url });
const model = tf.sequential();
model.add(tf.layers.dense({ units: 4, inputShape: [2], activation: "relu" }));
model.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
model.compile({ optimizer: "adam", loss: "binaryCrossentropy", metrics: ["accuracy"] });
const xs = tf.tensor2d(Array.from({ length: 32 }, (_, i) => [i % 2 ? 1 : -1, 0.5]));
const ys = tf.tensor2d(Array.from({ length: 32 }, (_, i) => [i % 2]));
const h = await fitWithTracking(client, model, xs, ys, { epochs: 3, verbose: 0 }, {
  runName: "node-tfjs",
});
await client.close();
const [run] = server.store().runs.values();
assert.deepEqual(run.history.get("loss").map((p) => p.value), h.history.loss);
assert.equal(run.info.status, "FINISHED");
await server.close();
console.log("tfjs ok:", h.history.loss.length, "epochs");
