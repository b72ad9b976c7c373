/**
 * Evaluate ONNX checkpoints with ONNX Runtime and record the evaluation as a
 * run: one checkpoint per epoch, accuracy, top-2, log loss, latency and
 * throughput at each step. The checkpoints are built in code by
 * `linear_onnx.ts` beside this file (a linear classifier whose weights improve
 * each "epoch", no dependency) so the example runs anywhere; use your own
 * exported `.onnx` files instead. Records offline into ./mlruns
 * when no server is configured.
 *
 * Run: deno task example:onnx   (or in your project: deno run -A --allow-ffi onnx_eval.ts)
 */
import * as ort from "onnxruntime-node";
import { TrackingClient } from "../mod.ts";
import { type EvalBatch, evaluateCheckpoints } from "../integrations/onnx.ts";
import { linearClassifier } from "./linear_onnx.ts";

const client = TrackingClient.fromEnv();
await client.setExperiment("onnx-eval-demo");

// Three classes, two features: class c sits around the point CENTERS[c].
const CENTERS = [[2, 0], [0, 2], [-2, -2]];
function* testSet(): Generator<EvalBatch> {
  let seed = 3;
  const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
  for (let b = 0; b < 8; b++) {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < 32; i++) {
      const c = (b * 32 + i) % 3;
      xs.push(CENTERS[c][0] + rand() * 3, CENTERS[c][1] + rand() * 3);
      ys.push(c);
    }
    yield { feeds: { x: new ort.Tensor("float32", Float32Array.from(xs), [32, 2]) }, targets: ys };
  }
}

// "Checkpoints": the weights move toward the class centres, epoch by epoch.
const checkpoints = [0.1, 0.5, 1].map((s) =>
  linearClassifier([[2 * s, 0, -2 * s], [0, 2 * s, -2 * s]], [0, 0, 0])
);

const perEpoch = await evaluateCheckpoints(client, {
  ort,
  checkpoints,
  dataset: testSet,
  metrics: ["accuracy", "top2", "log_loss"],
  // No runName: each evaluation is a run of its own (a fixed name would resume the last one).
});
for (const [epoch, m] of perEpoch.entries()) {
  console.log(
    `epoch ${epoch}: accuracy ${m["eval/accuracy"].toFixed(3)}, log loss ${
      m["eval/log_loss"].toFixed(3)
    }, p50 ${m["eval/latency_p50_ms"].toFixed(3)} ms`,
  );
}
await client.close();
