/**
 * Models round trip with a real `mlflow server` (MLflow 3, artifact serving) and MLflow's own
 * Python client: an ONNX model logged in TypeScript (online, and from an offline store synced
 * to the server) is loaded by `mlflow.pyfunc.load_model` and answers what ONNX Runtime answers
 * here (and `mlflow models predict`, what `mlflow models serve` runs, too); one logged by
 * `mlflow.onnx.log_model` loads with `client.loadModel` and answers the same in TypeScript; a
 * tfjs model's MLmodel is read by `mlflow.models.get_model_info` and `tf.loadLayersModel` loads
 * it from the server's URL.
 *
 * Needs MLFLOW_SERVER_URL (a running server) and MLFLOW_PYTHON (a Python with mlflow, onnx and
 * onnxruntime); .ci/run exports both for its real-server step.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import * as ort from "onnxruntime-node";
import * as tf from "@tensorflow/tfjs";
import { TrackingClient } from "../mod.ts";
import { logOnnxModel } from "../integrations/onnx.ts";
import { logTfModel } from "../integrations/tfjs.ts";
import { linearModel } from "./fixtures/onnx_models.ts";

const SERVER = process.env.MLFLOW_SERVER_URL;
const PYTHON = process.env.MLFLOW_PYTHON;
const why = SERVER && PYTHON ? "" : " (ignored: needs MLFLOW_SERVER_URL and MLFLOW_PYTHON)";

const W = [[1, -2], [0.5, 3], [-1, 0.25]];
const B = [0.1, -0.3];
const X = [[0.5, -1, 2], [3, 0.25, -0.75], [0, 0, 0], [1e-3, 7, -2]];

function python(args: string[]): Record<string, unknown> {
  const out = execFileSync(PYTHON!, ["tests/fixtures/models.py", ...args], {
    encoding: "utf8",
    env: { ...process.env, PYTHONWARNINGS: "ignore", MLFLOW_TRACKING_URI: SERVER },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return JSON.parse(out.trim().split("\n").pop()!);
}

function scratch(): { dir: string } & Disposable {
  const dir = mkdtempSync(join(tmpdir(), "models-mlflow-"));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

/** ONNX Runtime's answer here, as rows. */
async function ortRows(model: Uint8Array | string): Promise<number[][]> {
  const session = await ort.InferenceSession.create(model as never);
  try {
    const x = new ort.Tensor("float32", Float32Array.from(X.flat()), [X.length, 3]);
    const { y } = await session.run({ x });
    const flat = Array.from(y.data as Float32Array);
    return X.map((_, i) => flat.slice(i * 2, i * 2 + 2));
  } finally {
    await session.release();
  }
}

function assertClose(actual: number[][], expected: number[][]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((row, i) =>
    row.forEach((v, j) =>
      assert.ok(Math.abs(v - expected[i][j]) <= 1e-5, `[${i}][${j}]: ${v} vs ${expected[i][j]}`)
    )
  );
}

const unique = () => `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

const SIGNATURE = {
  inputs: [{ type: "tensor", "tensor-spec": { dtype: "float32", shape: [-1, 3] }, name: "x" }],
  outputs: [{ type: "tensor", "tensor-spec": { dtype: "float32", shape: [-1, 2] }, name: "y" }],
};

Deno.test({
  name: "an ONNX model logged in TypeScript runs in Python's mlflow.pyfunc with the same outputs" +
    why,
  ignore: !SERVER || !PYTHON,
  async fn() {
    using tmp = scratch();
    const bytes = linearModel(W, B, { input: "x", output: "y" });
    const client = new TrackingClient({ apiHost: SERVER!, flushIntervalMs: 50 });
    await client.setExperiment(`ts-onnx-${unique()}`);
    const run = await client.startRun({ runName: "ts-onnx" });
    const info = await logOnnxModel(run, { model: bytes, ort });
    await run.end();
    await client.close();
    assert.equal(info.modelUri, `runs:/${run.runId}/model`);
    assert.ok(info.modelId?.startsWith("m-"), "MLflow 3 records a logged model");

    const inputs = join(tmp.dir, "in.json");
    writeFileSync(inputs, JSON.stringify({ x: X }));
    const want = await ortRows(bytes);
    for (const uri of [info.modelUri, `models:/${info.modelId}`]) {
      const seen = python(["predict", SERVER!, uri, inputs]) as {
        outputs: Record<string, number[][]>;
        info: { flavors: string[]; signature: unknown };
      };
      assertClose(seen.outputs.y, want);
      assert.deepEqual(seen.info.flavors, ["onnx", "python_function"]);
      assert.deepEqual(seen.info.signature, SIGNATURE);
    }

    // What `mlflow models serve` runs: the pyfunc flavor, with its Python version known.
    const served = join(tmp.dir, "serving.json");
    writeFileSync(served, JSON.stringify({ inputs: { x: X } }));
    const mlflow = join(dirname(PYTHON!), "mlflow");
    const args = ["models", "predict", "-m", info.modelUri, "-i", served, "-t", "json"];
    const predicted = spawnSync(mlflow, [...args, "--env-manager", "local"], {
      encoding: "utf8",
      env: { ...process.env, MLFLOW_TRACKING_URI: SERVER },
    });
    assert.equal(predicted.status, 0, predicted.stderr);
    assert.doesNotMatch(predicted.stderr, /does not have a specified Python version/);
    const json = predicted.stdout.trim().split("\n").pop()!;
    assertClose((JSON.parse(json) as { predictions: { y: number[][] } }).predictions.y, want);
  },
});

Deno.test({
  name: "an ONNX model logged offline, synced to the server, runs in mlflow.pyfunc" + why,
  ignore: !SERVER || !PYTHON,
  async fn() {
    using tmp = scratch();
    const bytes = linearModel(W, B, { input: "x", output: "y" });
    const local = new TrackingClient({ offline: true, storagePath: join(tmp.dir, "mlruns") });
    const experiment = `offline-onnx-${unique()}`;
    await local.setExperiment(experiment);
    const run = await local.startRun({ runName: "offline-onnx" });
    await logOnnxModel(run, { model: bytes, ort });
    await run.end();
    const remote = new TrackingClient({ apiHost: SERVER! });
    const report = await local.sync({ to: remote });
    assert.ok(report.artifacts >= 5, `the model's files were sent (${report.artifacts})`);
    assert.equal(report.models, 1, "the logged model too");
    assert.equal((await local.sync({ to: remote })).models, 0, "once");
    const exp = await remote.getExperimentByName(experiment);
    const [synced] = await remote.searchRuns({ experimentIds: [exp!.experimentId] });
    await local.close();
    await remote.close();
    const found = await fetch(`${SERVER}/api/2.0/mlflow/logged-models/search`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ experiment_ids: [exp!.experimentId] }),
    }).then((r) => r.json()) as { models: { info: Record<string, string> }[] };
    assert.equal(found.models.length, 1);
    const { info } = found.models[0];
    assert.equal(info.source_run_id, synced.info.runId);
    assert.equal(info.status, "LOGGED_MODEL_READY");

    const inputs = join(tmp.dir, "in.json");
    writeFileSync(inputs, JSON.stringify({ x: X }));
    for (const uri of [`runs:/${synced.info.runId}/model`, `models:/${info.model_id}`]) {
      const seen = python(["predict", SERVER!, uri, inputs]) as {
        outputs: Record<string, number[][]>;
        info: { signature: unknown; model_id: string | null };
      };
      assertClose(seen.outputs.y, await ortRows(bytes));
      assert.deepEqual(seen.info.signature, SIGNATURE);
    }
  },
});

Deno.test({
  name: "an ONNX model logged by mlflow.onnx.log_model loads with loadModel and answers the same" +
    why,
  ignore: !SERVER || !PYTHON,
  async fn() {
    using tmp = scratch();
    const path = join(tmp.dir, "py.onnx");
    writeFileSync(path, linearModel(W, B, { input: "x", output: "y" }));
    const inputs = join(tmp.dir, "in.json");
    writeFileSync(inputs, JSON.stringify({ x: X }));
    const logged = python(["log", SERVER!, `py-onnx-${unique()}`, path, inputs]) as {
      run_id: string;
      model_id: string;
      outputs: Record<string, number[][]>;
    };
    const client = new TrackingClient({ apiHost: SERVER! });
    // MLflow 3 keeps the files in the logged model: models:/<id>, and runs:/ resolves to it too.
    for (const uri of [`models:/${logged.model_id}`, `runs:/${logged.run_id}/model`]) {
      const model = await client.loadModel(uri, { flavor: "onnx", dstPath: join(tmp.dir, uri) });
      assert.equal(model.mlmodel.modelId, logged.model_id);
      assertClose(await ortRows(model.dataPath!), logged.outputs.y);
    }
    await assert.rejects(
      client.loadModel(`models:/${logged.model_id}`, { flavor: "tfjs" }),
      /not a 'tfjs' model: its MLmodel has the flavors onnx, python_function/,
    );
    await client.close();
  },
});

Deno.test({
  name: "a tfjs model's MLmodel is read by mlflow.models.get_model_info; tfjs loads it by URL" +
    why,
  ignore: !SERVER || !PYTHON,
  async fn() {
    await tf.setBackend("cpu");
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 4, inputShape: [3], activation: "relu" }));
    model.add(tf.layers.dense({ units: 2 }));
    const client = new TrackingClient({ apiHost: SERVER! });
    await client.setExperiment(`tfjs-${unique()}`);
    const run = await client.startRun({ runName: "tfjs" });
    const info = await logTfModel(run, model);
    await run.end();
    await client.close();

    const seen = python(["info", SERVER!, info.modelUri]) as {
      flavors: string[];
      signature: { inputs: { "tensor-spec": { shape: number[] } }[] };
    };
    assert.deepEqual(seen.flavors, ["tfjs"]);
    assert.deepEqual(seen.signature.inputs[0]["tensor-spec"].shape, [-1, 3]);
    const url = `${SERVER}/api/2.0/mlflow-artifacts/artifacts/${run.info.experimentId}/` +
      `${run.runId}/artifacts/model/model.json`;
    const back = await tf.loadLayersModel(url);
    const probe = tf.tensor2d([[0.1, -0.2, 0.3]]);
    assert.deepEqual(
      (back.predict(probe) as tf.Tensor).arraySync(),
      (model.predict(probe) as tf.Tensor).arraySync(),
    );
  },
});

Deno.test({
  name: "MLflow's file store reads an offline store's logged model (models:/<id>) and runs it" +
    (PYTHON ? "" : " (ignored: needs MLFLOW_PYTHON)"),
  ignore: !PYTHON,
  async fn() {
    using tmp = scratch();
    const bytes = linearModel(W, B, { input: "x", output: "y" });
    const store = join(tmp.dir, "mlruns");
    const client = new TrackingClient({ offline: true, storagePath: store });
    const run = await client.startRun({ runName: "offline" });
    const info = await logOnnxModel(run, { model: bytes, ort });
    await run.end();
    await client.close();
    assert.ok(info.modelId?.startsWith("m-"));
    const inputs = join(tmp.dir, "in.json");
    writeFileSync(inputs, JSON.stringify({ x: X }));
    const out = execFileSync(
      PYTHON!,
      ["tests/fixtures/models.py", "predict", `file:${store}`, `models:/${info.modelId}`, inputs],
      {
        encoding: "utf8",
        env: { ...process.env, PYTHONWARNINGS: "ignore", MLFLOW_ALLOW_FILE_STORE: "true" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const seen = JSON.parse(out.trim().split("\n").pop()!);
    assertClose(seen.outputs.y, await ortRows(bytes));
    assert.equal(seen.info.model_id, info.modelId);
    assert.deepEqual(seen.info.signature, SIGNATURE);
  },
});
