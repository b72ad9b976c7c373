/**
 * The integrations' overheads, each against the same work without them, in
 * one run (alternating, medians): a `@tracked` call against the plain call, a
 * 20-epoch tfjs fit with the tracking callback against the same fit without
 * it, and the ONNX evaluator against a bare `session.run` loop. The server is
 * the in-process fake (no network). Used by bench/run.ts.
 */
import * as tf from "@tensorflow/tfjs";
import * as ort from "onnxruntime-node";
import { tracked, TrackingClient } from "../mod.ts";
import { type EvalBatch, OnnxEvaluator } from "../integrations/onnx.ts";
import { trackingCallback } from "../integrations/tfjs.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { linearModel } from "../tests/fixtures/onnx_models.ts";
import type { Row } from "./row.ts";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function client(): TrackingClient {
  return new TrackingClient({
    apiHost: "http://fake",
    fetch: new FakeMlflowServer({ recordRequests: false }).fetch,
    onError: () => {},
  });
}

/** A decorated sync call against the plain call, on the caller's side (runs finish in between). */
export async function benchDecorator(smoke: boolean): Promise<Row[]> {
  const c = client();
  const train = (epochs: number, opts: { lr: number; batch: number }) => {
    let acc = 0;
    for (let i = 0; i < 100; i++) acc += Math.sqrt(i * epochs * opts.lr * opts.batch);
    return acc;
  };
  const decorated = tracked(train, { client: c, runName: "bench" });
  const opts = { lr: 0.01, batch: 32 };
  const calls = smoke ? 200 : 2_000;
  const plain: number[] = [];
  const withRun: number[] = [];
  for (let i = 0; i < calls; i++) {
    let t0 = performance.now();
    train(3, opts);
    plain.push(performance.now() - t0);
    t0 = performance.now();
    decorated(3, opts);
    withRun.push(performance.now() - t0);
    if (i % 50 === 49) await c.flush(); // let the runs be created and ended, off the clock
  }
  await c.close();
  const p = median(plain) * 1000;
  const d = median(withRun) * 1000;
  return [{
    section: "5 integrations",
    what: "@tracked sync call (caller side)",
    n: calls,
    ours: d - p,
    peer: p,
    peerName: "the plain call",
    unit: "us overhead/call",
    note: `decorated ${d.toFixed(2)} us vs plain ${
      p.toFixed(3)
    } us; the run is created and ended in the background`,
  }];
}

/** A 20-epoch fit with the tracking callback against the same fit without it. */
export async function benchTfjs(smoke: boolean): Promise<Row[]> {
  tf.enableProdMode(); // no tip to install tfjs-node in the table
  await tf.setBackend("cpu");
  const c = client();
  const x = tf.randomNormal([512, 16], 0, 1, "float32", 1);
  const y = tf.randomUniform([512, 1], 0, 1, "float32", 2).round();
  const fit = async (withCallback: boolean) => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 32, inputShape: [16], activation: "relu" }));
    m.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
    m.compile({ optimizer: "adam", loss: "binaryCrossentropy", metrics: ["accuracy"] });
    const t0 = performance.now();
    await m.fit(x, y, {
      epochs: 20,
      batchSize: 64,
      validationSplit: 0.2,
      verbose: 0,
      callbacks: withCallback ? trackingCallback(c, { model: m }) : undefined,
    });
    const ms = performance.now() - t0;
    await c.flush();
    m.dispose();
    return ms;
  };
  await fit(false);
  await fit(true);
  const reps = smoke ? 1 : 15;
  const plain: number[] = [];
  const withCb: number[] = [];
  for (let i = 0; i < reps; i++) {
    plain.push(await fit(false));
    withCb.push(await fit(true));
  }
  await c.close();
  const [p, t] = [median(plain), median(withCb)];
  const pct = (t / p - 1) * 100;
  return [{
    section: "5 integrations",
    what: "tfjs callback, 20-epoch fit",
    n: reps,
    ours: t,
    peer: p,
    peerName: "the same fit without it",
    unit: "ms",
    ratio: t / p,
    target: "overhead < 2 %",
    met: pct < 2,
    note: `overhead ${pct.toFixed(2)} % of fit time`,
  }];
}

/** The ONNX evaluator against a bare `session.run` loop over the same batches. */
export async function benchOnnx(smoke: boolean): Promise<Row[]> {
  const c = client();
  const batches = smoke ? 50 : 200;
  const W = Array.from(
    { length: 64 },
    (_, i) => Array.from({ length: 10 }, (_, j) => Math.sin(i * 10 + j)),
  );
  const session = await ort.InferenceSession.create(linearModel(W, Array(10).fill(0)));
  const data: EvalBatch[] = Array.from({ length: batches }, (_, b) => ({
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
    client: c,
    session,
    metrics: ["accuracy", "top5", "log_loss"],
  });
  const run = await c.startRun({ runName: "bench" });
  const bare = async () => {
    const t0 = performance.now();
    for (const b of data) await session.run(b.feeds as Record<string, ort.Tensor>);
    return performance.now() - t0;
  };
  const evaluated = async () => {
    const t0 = performance.now();
    await evaluator.evaluate(data);
    return performance.now() - t0;
  };
  await bare();
  await evaluated();
  const reps = smoke ? 1 : 9;
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < reps; i++) {
    a.push(await bare());
    b.push(await evaluated());
  }
  await run.end();
  await c.close();
  const [pa, pb] = [median(a), median(b)];
  return [{
    section: "5 integrations",
    what: "ONNX evaluator, batches of 32 (64->10)",
    n: batches,
    ours: (pb - pa) / batches * 1000,
    peer: pa / batches * 1000,
    peerName: "bare session.run per batch",
    unit: "us overhead/batch",
    ratio: pb / pa,
  }];
}
