/** The ONNX evaluator with real ONNX Runtime sessions on the CPU; runs under Deno and Bun. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { ValidationError } from "../mod.ts";
import {
  type EvalBatch,
  evaluateCheckpoints,
  EvaluationError,
  OnnxEvaluator,
} from "../integrations/onnx.ts";
import { linearModel } from "./fixtures/onnx_models.ts";
import { test } from "./harness.ts";
import { inProcess } from "./helpers.ts";

const fixture = () => inProcess();

const close = (a: number, b: number, eps = 1e-5) =>
  Math.abs(a - b) <= eps * Math.max(1, Math.abs(b));

// ---- regression: y = x·W + b, W = [1, 2, 3], b = 0.5 --------------------------------------
const REG_W = [[1], [2], [3]];
const REG_B = [0.5];
const REG_X = [[1, 1, 1], [2, 0, 1], [0, 0, 0], [1, -1, 0], [0.5, 0.25, 2]];
const REG_T = [6, 6, 1, 0, 7];
const predictReg = (x: number[]) => x[0] * 1 + x[1] * 2 + x[2] * 3 + 0.5;

function batches(xs: number[][], ts: number[], size: number, width = xs[0].length): EvalBatch[] {
  const out: EvalBatch[] = [];
  for (let i = 0; i < xs.length; i += size) {
    const rows = xs.slice(i, i + size);
    out.push({
      feeds: { x: new ort.Tensor("float32", Float32Array.from(rows.flat()), [rows.length, width]) },
      targets: ts.slice(i, i + size),
    });
  }
  return out;
}

test("regression: MSE, RMSE, MAE over the whole epoch equal the hand computation, each epoch", async () => {
  const { client, runs } = fixture();
  const run = await client.startRun({ runName: "reg" });
  const evaluator = await OnnxEvaluator.create({
    client,
    ort,
    model: linearModel(REG_W, REG_B),
    metrics: ["mse", "rmse", "mae"],
  });
  const errors = REG_X.map((x, i) => predictReg(x) - REG_T[i]);
  const mse = errors.reduce((a, e) => a + e * e, 0) / errors.length;
  const mae = errors.reduce((a, e) => a + Math.abs(e), 0) / errors.length;
  for (let epoch = 0; epoch < 3; epoch++) {
    const got = await evaluator.evaluate(batches(REG_X, REG_T, 2)); // batches of 2, 2, 1
    assert.ok(close(got["eval/mse"], mse), `${got["eval/mse"]} vs ${mse}`);
    assert.ok(close(got["eval/rmse"], Math.sqrt(mse)));
    assert.ok(close(got["eval/mae"], mae));
    assert.equal(got["eval/samples"], 5);
    assert.ok(
      got["eval/latency_p50_ms"] > 0 && got["eval/latency_p95_ms"] >= got["eval/latency_p50_ms"],
    );
    assert.ok(got["eval/samples_per_second"] > 0);
  }
  await run.end();
  const [stored] = runs();
  assert.deepEqual(stored.history.get("eval/mse")!.map((p) => p.step), [0, 1, 2]);
  assert.ok(close(stored.latest.get("eval/mae")!.value, mae));
  await client.close();
});

// ---- classification: logits = x·W, 3 classes -------------------------------------------------
const CLS_W = [[1, 0, -1], [0, 1, 1]];
const CLS_X = [[2, 0], [0, 2], [-1, 1], [1, 1], [0.5, -2], [-2, -0.5]];
const CLS_T = [0, 1, 2, 2, 0, 1];

function handClassification(xs: number[][], ts: number[]) {
  let correct = 0;
  let top2 = 0;
  let loss = 0;
  xs.forEach((x, i) => {
    const logits = [0, 1, 2].map((c) => x[0] * CLS_W[0][c] + x[1] * CLS_W[1][c]);
    const z = logits.map((v) => Math.exp(v));
    const p = z.map((v) => v / z.reduce((a, b) => a + b, 0));
    const ranked = [0, 1, 2].sort((a, b) => p[b] - p[a]);
    if (ranked[0] === ts[i]) correct++;
    if (ranked.slice(0, 2).includes(ts[i])) top2++;
    loss -= Math.log(p[ts[i]]);
  });
  return { accuracy: correct / xs.length, top2: top2 / xs.length, logLoss: loss / xs.length };
}

test("classification: accuracy, top-2 and log loss, from logits or from probabilities", async () => {
  const { client } = fixture();
  const run = await client.startRun();
  const hand = handClassification(CLS_X, CLS_T);
  for (const softmax of [false, true]) {
    const evaluator = await OnnxEvaluator.create({
      client,
      ort,
      model: linearModel(CLS_W, [0, 0, 0], { softmax }),
      metrics: ["accuracy", "top2", "log_loss"],
      prefix: softmax ? "probs/" : "logits/",
    });
    const got = await evaluator.evaluate(batches(CLS_X, CLS_T, 4));
    const p = softmax ? "probs/" : "logits/";
    assert.ok(close(got[`${p}accuracy`], hand.accuracy), `${softmax}: ${got[`${p}accuracy`]}`);
    assert.ok(close(got[`${p}top2_accuracy`], hand.top2));
    assert.ok(
      close(got[`${p}log_loss`], hand.logLoss, 1e-4),
      `${got[`${p}log_loss`]} vs ${hand.logLoss}`,
    );
  }
  await run.end();
  await client.close();
});

test("an async iterable dataset, and custom metrics over the whole epoch (not batch averages)", async () => {
  const { client } = fixture();
  const run = await client.startRun();
  const evaluator = await OnnxEvaluator.create({
    client,
    ort,
    model: linearModel(REG_W, REG_B),
    metrics: [{
      name: "median_abs_error",
      fn: (p, t) => {
        const e = p.map((v, i) => Math.abs(v - t[i])).sort((a, b) => a - b);
        return e[Math.floor(e.length / 2)];
      },
    }],
  });
  async function* stream() {
    for (const b of batches(REG_X, REG_T, 2)) {
      await new Promise((r) => setTimeout(r, 1));
      yield b;
    }
  }
  const got = await evaluator.evaluate(stream(), { epoch: 7 });
  const errs = REG_X.map((x, i) => Math.abs(predictReg(x) - REG_T[i])).sort((a, b) => a - b);
  assert.ok(close(got["eval/median_abs_error"], errs[2]));
  await run.end();
  await client.close();
});

test("checkpoints: one run, metrics per step, the file name per step, ended FINISHED", async () => {
  const { client, runs } = fixture();
  const dir = mkdtempSync(join(tmpdir(), "ckpt-"));
  try {
    const biases = [3, 1, 0.5];
    const files = biases.map((b, i) => {
      const path = join(dir, `epoch-${i}.onnx`);
      writeFileSync(path, linearModel(REG_W, [b]));
      return path;
    });
    const results = await evaluateCheckpoints(client, {
      ort,
      checkpoints: files,
      dataset: () => batches(REG_X, REG_T, 2),
      metrics: ["mae"],
      runName: "ckpts",
    });
    const maes = biases.map((b) =>
      REG_X.reduce((a, x, i) => a + Math.abs(predictReg(x) - 0.5 + b - REG_T[i]), 0) / REG_X.length
    );
    results.forEach((r, i) => assert.ok(close(r["eval/mae"], maes[i]), `step ${i}`));
    await client.flush();
    const [run] = runs();
    assert.equal(run.info.run_name, "ckpts");
    assert.equal(run.info.status, "FINISHED");
    assert.deepEqual(
      [0, 1, 2].map((i) => run.tags.get(`checkpoint/${i}`)),
      ["epoch-0.onnx", "epoch-1.onnx", "epoch-2.onnx"],
    );
    assert.deepEqual(run.history.get("eval/mae")!.map((p) => p.step), [0, 1, 2]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await client.close();
  }
});

test("bad input is a typed error naming the input and the expected shape", async () => {
  const { client, runs } = fixture();
  const run = await client.startRun();
  const evaluator = await OnnxEvaluator.create({
    client,
    ort,
    model: linearModel(REG_W, REG_B),
    metrics: ["mse"],
  });
  const missing = await evaluator.evaluate([{
    feeds: { z: new ort.Tensor("float32", [1, 2, 3], [1, 3]) },
    targets: [1],
  }])
    .catch((e) => e);
  assert.ok(missing instanceof EvaluationError);
  assert.equal(missing.input, "x");
  assert.deepEqual(missing.expectedShape, ["N", 3]);
  assert.match(missing.message, /batch 0: input 'x' is missing/);
  const wrong = await evaluator.evaluate(batches([[1, 2]], [1], 1, 2)).catch((e) => e);
  assert.ok(wrong instanceof EvaluationError);
  assert.match(wrong.message, /input 'x' has shape \[1, 2\], the model expects \[N, 3\]/);
  const targets = await evaluator.evaluate([{ ...batches(REG_X, REG_T, 2)[0], targets: [1, 2, 3] }])
    .catch((e) => e);
  assert.ok(targets instanceof EvaluationError);
  assert.match(targets.message, /batch 0: 3 targets for 2 samples of 1 value\(s\) each/);
  const classTargets = await OnnxEvaluator.create({
    client,
    ort,
    model: linearModel(CLS_W, [0, 0, 0]),
    metrics: ["mse"],
  }).then((e) => e.evaluate(batches(CLS_X, CLS_T, 6))).catch((e) => e);
  assert.ok(classTargets instanceof EvaluationError);
  assert.match(classTargets.message, /mse needs one target per prediction value/);
  await assert.rejects(
    OnnxEvaluator.create({ client, ort, model: linearModel(REG_W, REG_B), metrics: ["f1"] }),
    (e) => e instanceof ValidationError && /unknown metric 'f1'/.test(e.message),
  );
  await assert.rejects(
    OnnxEvaluator.create({ client, ort, model: new Uint8Array([1, 2, 3]) }),
    (e) => e instanceof EvaluationError && /cannot load the ONNX model \(3 bytes\)/.test(e.message),
  );
  await run.end();
  // A failing checkpoint loop ends its run FAILED and rethrows.
  await assert.rejects(
    evaluateCheckpoints(client, {
      ort,
      checkpoints: [linearModel(REG_W, REG_B)],
      dataset: () => batches([[1, 2]], [1], 1, 2),
      runName: "bad-ckpt",
    }),
    EvaluationError,
  );
  await client.flush();
  assert.equal(runs().find((r) => r.info.run_name === "bad-ckpt")!.info.status, "FAILED");
  await client.close();
});

test("evaluating with no run to log to is a clear error", async () => {
  const { client } = fixture();
  const evaluator = await OnnxEvaluator.create({ client, ort, model: linearModel(REG_W, REG_B) });
  await assert.rejects(evaluator.evaluate(batches(REG_X, REG_T, 5)), /no run to log to/);
  await client.close();
});

/** The real ORT module, counting the sessions it makes and those released. */
function countingOrt() {
  const counts = { created: 0, released: 0 };
  const InferenceSession = {
    async create(model: never) {
      const session = await ort.InferenceSession.create(model);
      counts.created++;
      const release = session.release.bind(session);
      session.release = async () => {
        counts.released++;
        await release();
      };
      return session;
    },
  };
  return { counts, ort: { ...ort, InferenceSession } as unknown as typeof ort };
}

test("every session an evaluation makes is released, also when it throws", async () => {
  const { client, runs } = fixture();
  const counting = countingOrt();
  await assert.rejects(
    evaluateCheckpoints(client, {
      ort: counting.ort,
      checkpoints: [linearModel(REG_W, REG_B), linearModel(REG_W, REG_B)],
      dataset: () => batches([[1, 2]], [1], 1, 2), // the wrong width: evaluating throws
    }),
    EvaluationError,
  );
  assert.deepEqual(counting.counts, { created: 1, released: 1 });
  await assert.rejects(
    OnnxEvaluator.create({
      client,
      ort: counting.ort,
      model: linearModel(REG_W, REG_B),
      output: "nope",
    }),
  );
  assert.deepEqual(counting.counts, { created: 2, released: 2 }, "a bad option leaks nothing");
  const ok = await evaluateCheckpoints(client, {
    ort: counting.ort,
    checkpoints: [linearModel(REG_W, REG_B), linearModel(REG_W, [1])],
    dataset: () => batches(REG_X, REG_T, 5),
    metrics: ["mae"],
  });
  assert.equal(ok.length, 2);
  assert.deepEqual(counting.counts, { created: 4, released: 4 });
  // Without a runName each evaluation is a run of its own: nothing merges into an old one.
  await client.flush();
  const names = runs().map((r) => r.info.run_name);
  assert.equal(new Set(names).size, names.length, names.join(", "));
  await client.close();
});
