/**
 * The main job on the embedded default: no server configured, so
 * `TrackingClient.fromEnv()` records offline into ./mlruns (MLflow's FileStore
 * layout). Trains a small logistic regression by gradient descent on
 * generated data, one run per learning rate, then prints the runs table.
 *
 * Run: deno task demo      (then: MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri ./mlruns)
 */
import { tracked, TrackingClient } from "../mod.ts";
import { main as cli } from "../src/cli.ts";
import process from "node:process";

const client = TrackingClient.fromEnv();
await client.setExperiment("logistic-regression-demo");

/** Two Gaussian blobs, labelled 0 and 1, from a seeded generator. */
function makeData(n: number, seed: number): { x: number[][]; y: number[] } {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    x.push([gauss() + (label ? 1.5 : -1.5), gauss() + (label ? 1 : -1)]);
    y.push(label);
  }
  return { x, y };
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

const train = tracked(
  (lr: number, epochs: number, data: { x: number[][]; y: number[] }) => {
    let w = [0, 0];
    let b = 0;
    for (let epoch = 0; epoch < epochs; epoch++) {
      let loss = 0;
      let correct = 0;
      const grad = [0, 0];
      let gradB = 0;
      data.x.forEach(([x1, x2], i) => {
        const p = sigmoid(w[0] * x1 + w[1] * x2 + b);
        const y = data.y[i];
        loss -= y * Math.log(p + 1e-12) + (1 - y) * Math.log(1 - p + 1e-12);
        if ((p > 0.5 ? 1 : 0) === y) correct++;
        grad[0] += (p - y) * x1;
        grad[1] += (p - y) * x2;
        gradB += p - y;
      });
      const n = data.x.length;
      w = [w[0] - lr * grad[0] / n, w[1] - lr * grad[1] / n];
      b -= lr * gradB / n;
      client.logMetrics({ loss: loss / n, accuracy: correct / n }, { step: epoch });
    }
    return { final_w0: w[0], final_w1: w[1] };
  },
  { client, runName: (lr: number) => `lr=${lr}`, params: ["lr", "epochs"], logReturn: true },
);

const data = makeData(400, 7);
for (const lr of [0.01, 0.1, 1]) train(lr, 30, data);
await client.close();

console.log(`recorded into ${client.serverKind === "offline" ? "./mlruns" : "the server"}:\n`);
await cli([
  "runs",
  "--store",
  process.env.MLFLOW_TRACKING_URI?.replace(/^file:/, "") ?? "./mlruns",
  // The columns that tell these runs apart (without it: what differs first, alphabetically).
  "--columns",
  "lr,loss,accuracy,final_w0,final_w1",
  "--sort",
  "metrics.loss",
]);
