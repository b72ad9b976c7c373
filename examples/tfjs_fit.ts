/**
 * Train a small tfjs model and record it: fit params, optimizer and model
 * summary, per-epoch loss and accuracy (with validation), and early stopping.
 * With no server configured it records offline into ./mlruns.
 *
 * Run: deno task example:tfjs   (or in your project: deno run -A tfjs_fit.ts)
 */
import * as tf from "@tensorflow/tfjs";
import { TrackingClient } from "../mod.ts";
import { fitWithTracking } from "../integrations/tfjs.ts";

// The pure-JS CPU backend on purpose (no native build); prod mode also stops tfjs's tip to
// install tfjs-node, which would be the only line this example prints besides its own.
tf.enableProdMode();
await tf.setBackend("cpu");
const client = TrackingClient.fromEnv();
await client.setExperiment("tfjs-demo");

// XOR-like data: the label is whether both coordinates share a sign.
const points = Array.from({ length: 512 }, () => [Math.random() * 2 - 1, Math.random() * 2 - 1]);
const xs = tf.tensor2d(points);
const ys = tf.tensor2d(points.map(([a, b]) => [a * b > 0 ? 1 : 0]));

const model = tf.sequential();
model.add(tf.layers.dense({ units: 16, inputShape: [2], activation: "relu" }));
model.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
model.compile({
  optimizer: tf.train.adam(0.05),
  loss: "binaryCrossentropy",
  metrics: ["accuracy"],
});

const history = await fitWithTracking(client, model, xs, ys, {
  epochs: 40,
  batchSize: 32,
  validationSplit: 0.2,
  verbose: 0,
}, {
  // No runName: a fixed one would resume the last run of that name on every rerun (the Python
  // client's rule); the server makes up a unique name, and the tag says what was trained.
  tags: { model: "xor-dense" },
  earlyStopping: { monitor: "val_loss", patience: 5 },
});

const run = client.lastActiveRun()!;
await client.close();
const info = await run.ready;
console.log(
  `trained ${history.epoch.length} epochs; final val_acc ${history.history.val_acc.at(-1)}; ` +
    `run ${info.runId} (${info.status})`,
);
console.log(
  client.serverKind === "offline"
    ? "see it with: deno task cli show " + info.runId.slice(0, 8)
    : "see it on your tracking server",
);
