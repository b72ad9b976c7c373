/**
 * What the ONNX evaluator keeps with its run: the `.onnx` model it evaluated, as
 * an MLflow model (which loads back into a real ORT session that answers the same) and
 * `eval/report.json` with each epoch's metrics and, for classifiers, the
 * confusion matrix. Real ONNX Runtime sessions on the CPU.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { ValidationError } from "../mod.ts";
import {
  type EvalBatch,
  evaluateCheckpoints,
  type EvaluationReport,
  OnnxEvaluator,
} from "../integrations/onnx.ts";
import { linearModel } from "./fixtures/onnx_models.ts";
import { test } from "./harness.ts";
import { inProcess } from "./helpers.ts";

// logits = x·W, 3 classes
const W = [[1, 0, -1], [0, 1, 1]];
const X = [[2, 0], [0, 2], [-1, 1], [1, 1], [0.5, -2], [-2, -0.5], [3, 1]];
const T = [0, 1, 2, 2, 0, 1, 1];

function batches(size = 3): EvalBatch[] {
  const out: EvalBatch[] = [];
  for (let i = 0; i < X.length; i += size) {
    const rows = X.slice(i, i + size);
    out.push({
      feeds: { x: new ort.Tensor("float32", Float32Array.from(rows.flat()), [rows.length, 2]) },
      targets: T.slice(i, i + size),
    });
  }
  return out;
}

/** The confusion matrix by hand: argmax of x·W against the target. */
function handConfusion(): number[][] {
  const m = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  X.forEach((x, i) => {
    const logits = [0, 1, 2].map((c) => x[0] * W[0][c] + x[1] * W[1][c]);
    m[T[i]][logits.indexOf(Math.max(...logits))]++;
  });
  return m;
}

function scratch(): { dir: string } & Disposable {
  const dir = mkdtempSync(join(tmpdir(), "onnx-artifacts-"));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

async function report(
  server: ReturnType<typeof inProcess>["server"],
  runId: string,
  file = "eval/report.json",
) {
  const bytes = await server.store().artifacts.bytes(`0/${runId}/artifacts/${file}`);
  assert.ok(bytes, `no ${file}`);
  return JSON.parse(new TextDecoder().decode(bytes)) as EvaluationReport;
}

test("the evaluator stores the model it evaluated and a report: per-epoch metrics, confusion matrix", async () => {
  using tmp = scratch();
  const modelPath = join(tmp.dir, "classifier.onnx");
  writeFileSync(modelPath, linearModel(W, [0, 0, 0]));
  const { client, server } = inProcess();
  const run = await client.startRun({ runName: "eval" });
  await using evaluator = await OnnxEvaluator.create({
    client,
    ort,
    model: modelPath,
    metrics: ["accuracy", "log_loss"],
    classNames: ["cat", "dog", "owl"],
    logModel: true,
  });
  const epochs = [await evaluator.evaluate(batches()), await evaluator.evaluate(batches(2))];
  await run.end();

  const stored = await report(server, run.runId);
  assert.equal(stored.output, "y");
  assert.deepEqual(stored.epochs.map((e) => e.epoch), [0, 1]);
  for (const [i, e] of stored.epochs.entries()) {
    assert.equal(e.model, "classifier.onnx");
    assert.equal(e.metrics.accuracy, epochs[i]["eval/accuracy"]);
    assert.equal(e.metrics.log_loss, epochs[i]["eval/log_loss"]);
    assert.equal(e.metrics.samples, X.length);
    assert.deepEqual(e.confusionMatrix, { labels: ["cat", "dog", "owl"], matrix: handConfusion() });
  }
  const diagonal = handConfusion().reduce((n, row, i) => n + row[i], 0);
  assert.equal(stored.epochs[0].metrics.accuracy, diagonal / X.length);

  // The model, loaded back as an MLflow model, is the one evaluated: a session on it answers the same.
  const loaded = await client.loadModel(`runs:/${run.runId}/model`, { flavor: "onnx" });
  const local = loaded.dataPath!;
  assert.deepEqual(new Uint8Array(readFileSync(local)), new Uint8Array(readFileSync(modelPath)));
  const session = await ort.InferenceSession.create(local);
  const [batch] = batches(7);
  const a = await session.run(batch.feeds as Record<string, ort.Tensor>);
  const b = await evaluator.session.run(batch.feeds as never) as Record<string, ort.Tensor>;
  assert.deepEqual(Array.from(a.y.data as Float32Array), Array.from(b.y.data as Float32Array));
  await session.release();
  await client.close();
});

test("a regression report has metrics and no confusion matrix; report: false stores none", async () => {
  const { client, server } = inProcess();
  const run = await client.startRun();
  const reg = await OnnxEvaluator.create({
    client,
    ort,
    model: linearModel([[1], [2]], [0]),
    metrics: ["mse"],
    report: { artifactFile: "reports/regression.json" },
  });
  await reg.evaluate([{
    feeds: { x: new ort.Tensor("float32", Float32Array.from([1, 1, 2, 0]), [2, 2]) },
    targets: [3, 1],
  }]);
  await reg.release();
  const none = await OnnxEvaluator.create({
    client,
    ort,
    model: linearModel(W, [0, 0, 0]),
    report: false,
  });
  await none.evaluate(batches());
  await none.release();
  await run.end();
  const stored = await report(server, run.runId, "reports/regression.json");
  assert.equal(stored.epochs[0].metrics.mse, 0.5); // predictions 3 and 2 for targets 3 and 1
  assert.equal(stored.epochs[0].confusionMatrix, undefined);
  assert.deepEqual((await client.listArtifacts(run.runId)).map((e) => e.path), ["reports"]);
  await client.close();
});

test("evaluateCheckpoints stores each checkpoint and one report across them", async () => {
  using tmp = scratch();
  const checkpoints = [0, 1, 2].map((i) => {
    const path = join(tmp.dir, `epoch-${i}.onnx`);
    writeFileSync(path, linearModel(W.map((row) => row.map((w) => w * (i + 1))), [0, 0, 0]));
    return path;
  });
  const { client, server, runs } = inProcess();
  await evaluateCheckpoints(client, {
    ort,
    checkpoints,
    dataset: () => batches(),
    metrics: ["accuracy"],
    logModel: true,
  });
  await client.flush();
  const [run] = runs();
  const stored = await report(server, run.info.run_id);
  assert.deepEqual(stored.epochs.map((e) => [e.epoch, e.model]), [
    [0, "epoch-0.onnx"],
    [1, "epoch-1.onnx"],
    [2, "epoch-2.onnx"],
  ]);
  // Each checkpoint is an MLflow model of its own, the one evaluated at that step.
  assert.deepEqual((await client.listArtifacts(run.info.run_id, "model")).map((e) => e.path), [
    "model/checkpoint-0",
    "model/checkpoint-1",
    "model/checkpoint-2",
  ]);
  for (const [i, path] of checkpoints.entries()) {
    const uri = `runs:/${run.info.run_id}/model/checkpoint-${i}`;
    const loaded = await client.loadModel(uri, { flavor: "onnx", dstPath: `${tmp.dir}/dl-${i}` });
    assert.deepEqual(
      new Uint8Array(readFileSync(loaded.dataPath!)),
      new Uint8Array(readFileSync(path)),
    );
  }
  await client.close();
});

test("logModel without a model (a session given) is a ValidationError before anything runs", async () => {
  const { client } = inProcess();
  const session = await ort.InferenceSession.create(linearModel(W, [0, 0, 0]));
  try {
    await assert.rejects(
      OnnxEvaluator.create({ client, session, logModel: true }),
      (e: unknown) => e instanceof ValidationError && /logModel needs the model/.test(e.message),
    );
  } finally {
    await session.release();
  }
});
