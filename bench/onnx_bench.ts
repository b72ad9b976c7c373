/**
 * The ONNX evaluator's overhead per batch against a bare `session.run` loop
 * over the same batches and session, in one run (alternating, medians).
 * Model: a linear 64 → 10 classifier; batches of 32; metrics accuracy,
 * top5 and log loss. The server is the in-process fake (no network).
 *
 * Run: deno run -A bench/onnx_bench.ts [reps]
 */
import * as ort from "onnxruntime-node";
import { TrackingClient } from "../mod.ts";
import { type EvalBatch, OnnxEvaluator } from "../integrations/onnx.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { linearModel } from "../tests/fixtures/onnx_models.ts";

const reps = Number(Deno.args[0] ?? 9);
const BATCHES = 200;
const client = new TrackingClient({ apiHost: "http://fake", fetch: new FakeMlflowServer().fetch });
const W = Array.from(
  { length: 64 },
  (_, i) => Array.from({ length: 10 }, (_, j) => Math.sin(i * 10 + j)),
);
const session = await ort.InferenceSession.create(linearModel(W, Array(10).fill(0)));
const data: EvalBatch[] = Array.from({ length: BATCHES }, (_, b) => ({
  feeds: {
    x: new ort.Tensor(
      "float32",
      Float32Array.from({ length: 32 * 64 }, (_, i) => Math.cos(b + i)),
      [32, 64],
    ),
  },
  targets: Array.from({ length: 32 }, (_, i) => (b + i) % 10),
}));
const evaluator = await OnnxEvaluator.create({
  client,
  session,
  metrics: ["accuracy", "top5", "log_loss"],
});
const run = await client.startRun({ runName: "bench" });

async function bare(): Promise<number> {
  const t0 = performance.now();
  for (const b of data) await session.run(b.feeds as Record<string, ort.Tensor>);
  return performance.now() - t0;
}
async function evaluated(): Promise<number> {
  const t0 = performance.now();
  await evaluator.evaluate(data);
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
await bare();
await evaluated();
const a: number[] = [];
const b: number[] = [];
for (let i = 0; i < reps; i++) {
  a.push(await bare());
  b.push(await evaluated());
}
const [pa, pb] = [median(a), median(b)];
const result = {
  bench: "ONNX evaluator vs bare session.run (200 batches of 32, 64->10)",
  reps,
  bare_ms: +pa.toFixed(2),
  evaluator_ms: +pb.toFixed(2),
  bare_us_per_batch: +(pa / BATCHES * 1000).toFixed(1),
  overhead_us_per_batch: +((pb - pa) / BATCHES * 1000).toFixed(1),
  ratio: +(pb / pa).toFixed(3),
};
console.table([result]);
console.log(JSON.stringify(result));
await run.end();
await client.close();
