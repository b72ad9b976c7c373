/**
 * `run.logModel` and `client.loadModel` against the fake server over real HTTP, and offline:
 * the MLflow model folder (MLmodel, signature, environment files) in the run's artifacts; on a
 * server with MLflow 3's logged models, a logged model linked to its run, READY, with its own
 * copy of the files; on an older MLflow or OICM, the artifacts only and no error; bad input
 * refused before any request; `loadModel` resolving `runs:/` and `models:/` and checking the
 * flavor first. Real ONNX Runtime sessions and real tfjs.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import * as tf from "@tensorflow/tfjs";
import { NotFoundError, TrackingClient, ValidationError } from "../mod.ts";
import { loggedModelsOf } from "../src/testing/mod.ts";
import { logOnnxModel } from "../integrations/onnx.ts";
import { logTfModel } from "../integrations/tfjs.ts";
import { linearModel } from "./fixtures/onnx_models.ts";
import { setup } from "./helpers.ts";
import { test } from "./harness.ts";

const ONNX = new Uint8Array(linearModel([[1, 2], [3, 4], [5, 6]], [0.5, -0.5]));
const FOLDER = ["MLmodel", "conda.yaml", "model.onnx", "python_env.yaml", "requirements.txt"];

function scratch(): { dir: string } & Disposable {
  const dir = mkdtempSync(join(tmpdir(), "models-"));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

test("logModel on a server with logged models: a READY logged model of the run, files in both places", async () => {
  await using t = await setup();
  using tmp = scratch();
  const run = await t.client.startRun({ runName: "onnx" });
  const info = await logOnnxModel(run, { model: ONNX, ort });
  await run.end();

  const models = [...loggedModelsOf(t.server.store()).values()];
  assert.equal(models.length, 1);
  const [m] = models;
  assert.equal(info.modelId, m.model_id);
  assert.equal(m.name, "model");
  assert.equal(m.source_run_id, run.runId);
  assert.equal(m.status, "LOGGED_MODEL_READY");
  assert.deepEqual(m.outputOf, [{ run_id: run.runId, step: 0 }]);
  const files = t.server.store().artifacts;
  const own = files.list(`0/models/${m.model_id}/artifacts`).map((f) => f.path);
  assert.deepEqual(own.sort(), FOLDER);
  const inRun = files.list(`0/${run.runId}/artifacts/model`).map((f) => f.path);
  assert.deepEqual(inRun.sort(), FOLDER);

  const mlmodel = text(await files.bytes(`0/${run.runId}/artifacts/model/MLmodel`));
  assert.match(mlmodel, new RegExp(`model_id: ${m.model_id}`));
  assert.match(mlmodel, /loader_module: mlflow\.onnx/);
  assert.match(
    mlmodel,
    /inputs: '\[\{"type":"tensor","tensor-spec":\{"dtype":"float32","shape":\[-1,3\]\},"name":"x"\}\]'/,
  );
  assert.deepEqual(
    text(await files.bytes(`0/${run.runId}/artifacts/model/requirements.txt`)).trim().split("\n"),
    ["mlflow", "onnx", "onnxruntime"],
  );

  // models:/<id> loads the logged model's own copy, which ONNX Runtime runs.
  const loaded = await t.client.loadModel(`models:/${m.model_id}`, { dstPath: tmp.dir });
  assert.equal(loaded.flavor, "onnx");
  assert.deepEqual(loaded.mlmodel.signature?.outputs, [{
    name: "y",
    dtype: "float32",
    shape: [-1, 2],
  }]);
  const session = await ort.InferenceSession.create(loaded.dataPath!);
  const { y } = await session.run({ x: new ort.Tensor("float32", [1, 1, 1], [1, 3]) });
  assert.deepEqual(Array.from(y.data as Float32Array), [9.5, 11.5]);
  await session.release();
  assert.deepEqual(t.errors, []);
});

test("a server without logged models (an older MLflow) gets the artifacts only, with no error", async () => {
  await using t = await setup({ server: { loggedModels: false } });
  const run = await t.client.startRun();
  const first = await logOnnxModel(run, { model: ONNX, ort });
  const second = await logOnnxModel(run, { model: ONNX, ort, artifactPath: "again" });
  await run.end();
  assert.equal(first.modelId, undefined);
  assert.equal(second.modelId, undefined);
  assert.equal(t.server.count("logged-models"), 1, "asked once, then remembered");
  const inRun = t.server.store().artifacts.list(`0/${run.runId}/artifacts/again`).map((f) =>
    f.path
  );
  assert.deepEqual(inRun.sort(), FOLDER);
  const loaded = await t.client.loadModel(`runs:/${run.runId}/model`, { flavor: "onnx" });
  assert.deepEqual(new Uint8Array(readFileSync(loaded.dataPath!)), ONNX);
  await assert.rejects(t.client.loadModel("models:/m-0123"), NotFoundError);
  assert.deepEqual(t.errors, []);
});

test("a server that cannot be reached for the logged model still gets the model's files", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  await run.ready;
  t.server.faults.failNext(10, 503, { route: "logged-models" });
  const info = await logOnnxModel(run, { model: ONNX, ort });
  await run.end();
  assert.equal(info.modelId, undefined);
  const inRun = t.server.store().artifacts.list(`0/${run.runId}/artifacts/model`);
  assert.deepEqual(inRun.map((f) => f.path).sort(), FOLDER);
  assert.equal(loggedModelsOf(t.server.store()).size, 0);
});

test("OICM gets the model in the run's artifacts and no logged-models request", async () => {
  await using t = await setup({ oicm: true, client: { workspaceId: "ws-1" } });
  const { experimentId } = await t.client.setExperiment("oicm-models");
  const run = await t.client.startRun();
  const info = await logOnnxModel(run, { model: ONNX, ort });
  await run.end();
  assert.equal(info.modelId, undefined);
  assert.equal(t.server.requests.some((r) => r.route?.startsWith("logged-models")), false);
  const inRun = t.server.store("ws-1").artifacts.list(
    `${experimentId}/${run.runId}/artifacts/model`,
  );
  assert.deepEqual(inRun.map((f) => f.path).sort(), FOLDER);
});

test("offline, the model folder is in the run's artifacts and loadModel reads it", async () => {
  using tmp = scratch();
  const client = new TrackingClient({ offline: true, storagePath: join(tmp.dir, "mlruns") });
  const run = await client.startRun();
  await tf.setBackend("cpu");
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 2, inputShape: [4] }));
  const info = await logTfModel(run, model, "net");
  await run.end();
  assert.equal(info.modelUri, `runs:/${run.runId}/net`);
  const loaded = await client.loadModel(info.modelUri, { flavor: "tfjs" });
  assert.equal(loaded.dataPath, join(loaded.folder, "model.json"));
  assert.equal(loaded.mlmodel.flavors.tfjs.format, "layers-model");
  assert.deepEqual(loaded.mlmodel.flavors.tfjs.input_shapes, [[-1, 4]]);
  assert.equal(loaded.mlmodel.signature?.inputs[0].dtype, "float32");
  await assert.rejects(
    client.loadModel(info.modelUri, { flavor: "onnx" }),
    (e: unknown) => e instanceof ValidationError && /flavors tfjs/.test(e.message),
  );
  await client.close();
});

test("offline, logModel writes MLflow's file-store logged model, and sync carries it with the target's ids", async () => {
  using tmp = scratch();
  const store = join(tmp.dir, "mlruns");
  const local = new TrackingClient({ offline: true, storagePath: store });
  const run = await local.startRun();
  const info = await logOnnxModel(run, { model: ONNX, ort });
  await run.end();
  const exp = run.info.experimentId;
  const meta = readFileSync(join(store, exp, "models", info.modelId!, "meta.yaml"), "utf8");
  assert.match(meta, /^status: 2$/m);
  assert.match(meta, new RegExp(`^source_run_id: "?${run.runId}"?$`, "m"));
  assert.match(meta, /^name: model$/m);
  const link = join(store, exp, run.runId, "outputs", info.modelId!, "meta.yaml");
  assert.match(readFileSync(link, "utf8"), /^destination_type: MODEL_OUTPUT$/m);
  const own = join(store, exp, "models", info.modelId!, "artifacts", "model.onnx");
  assert.deepEqual(new Uint8Array(readFileSync(own)), ONNX);

  // To a server with logged models: one, READY, linked to the target's run, MLmodel retargeted.
  await using t = await setup();
  const report = await local.sync({ to: t.client });
  assert.equal(report.models, 1);
  const [m] = [...loggedModelsOf(t.server.store()).values()];
  const [remote] = [...t.server.store().runs.values()];
  assert.equal(m.status, "LOGGED_MODEL_READY");
  assert.equal(m.source_run_id, remote.info.run_id);
  assert.deepEqual(m.outputOf, [{ run_id: remote.info.run_id, step: 0 }]);
  const files = t.server.store().artifacts;
  for (
    const key of [`0/models/${m.model_id}/artifacts`, `0/${remote.info.run_id}/artifacts/model`]
  ) {
    const mlmodel = text(await files.bytes(`${key}/MLmodel`));
    assert.match(mlmodel, new RegExp(`^model_id: "?${m.model_id}"?$`, "m"), key);
    assert.match(mlmodel, new RegExp(`^run_id: "?${remote.info.run_id}"?$`, "m"), key);
  }
  assert.equal((await local.sync({ to: t.client })).models, 0, "each model once");

  // To an older MLflow: the run's artifacts only, and an MLmodel naming no logged model.
  await using old = await setup({ server: { loggedModels: false } });
  assert.equal((await local.sync({ to: old.client })).models, 0);
  const [oldRun] = [...old.server.store().runs.values()];
  const mlmodel = text(
    await old.server.store().artifacts.bytes(`0/${oldRun.info.run_id}/artifacts/model/MLmodel`),
  );
  assert.doesNotMatch(mlmodel, /model_id:/);
  assert.match(mlmodel, new RegExp(`^run_id: "?${oldRun.info.run_id}"?$`, "m"));
  await local.close();
});

test("runs:/ finds a model MLflow 3 kept only in its logged model (as mlflow.onnx.log_model does)", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  await run.end();
  const post = async (path: string, body: unknown, method = "POST") => {
    const res = await fetch(`${t.url}/api/2.0/mlflow/${path}`, {
      method,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    return await res.json();
  };
  const { model } = await post("logged-models", {
    experiment_id: "0",
    name: "model",
    source_run_id: run.runId,
  });
  const id = model.info.model_id;
  const put = (name: string, bytes: Uint8Array<ArrayBuffer> | string) =>
    fetch(`${t.url}/api/2.0/mlflow-artifacts/artifacts/0/models/${id}/artifacts/${name}`, {
      method: "PUT",
      body: bytes,
    }).then((r) => r.body?.cancel());
  await put("model.onnx", ONNX);
  await put("MLmodel", `flavors:\n  onnx:\n    data: model.onnx\nmodel_id: ${id}\n`);
  const loaded = await t.client.loadModel(`runs:/${run.runId}/model`);
  assert.equal(loaded.mlmodel.modelId, id);
  assert.deepEqual(new Uint8Array(readFileSync(loaded.dataPath!)), ONNX);
  await assert.rejects(t.client.loadModel(`runs:/${run.runId}/other`), NotFoundError);
});

test("bad models and URIs are ValidationErrors naming what is wrong, before any request", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  await run.ready;
  const before = t.server.requests.length;
  const bad: [unknown, RegExp][] = [
    [{ files: { "m.bin": new Uint8Array(1) }, flavors: {} }, /at least one flavor/],
    [{ files: {}, flavors: { f: {} } }, /has no files/],
    [{ files: { MLmodel: new Uint8Array(1) }, flavors: { f: {} } }, /MLmodel is written for you/],
    [{ artifactPath: "../up", files: { a: new Uint8Array(1) }, flavors: { f: {} } }, /'\.\.'/],
    [{
      files: { a: new Uint8Array(1) },
      flavors: { f: {} },
      signature: { inputs: [{ dtype: "tensor<float>", shape: [1] }], outputs: [] },
    }, /dtype 'tensor<float>'/],
  ];
  for (const [model, message] of bad) {
    await assert.rejects(
      run.logModel(model as never),
      (e: unknown) => e instanceof ValidationError && message.test(e.message),
    );
  }
  for (
    const [uri, message] of [
      ["s3://bucket/model", /not a model URI; give runs:\/<run_id>\/<path> or models:\/<model_id>/],
      ["models:/my-model/3", /registered model/],
      ["runs:/abc", /not a model URI/],
    ] as const
  ) {
    await assert.rejects(
      t.client.loadModel(uri),
      (e: unknown) => e instanceof ValidationError && message.test(e.message),
    );
  }
  assert.equal(t.server.requests.length, before);
  await run.logText("not a model", "notes/readme.txt");
  await assert.rejects(
    t.client.loadModel(`runs:/${run.runId}/notes`),
    (e: unknown) => e instanceof NotFoundError && /no MLmodel at 'notes'/.test(e.message),
  );
  await run.end();
});
