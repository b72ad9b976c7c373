/**
 * Artifacts and inputs without a server: offline, in MLflow's FileStore layout
 * (which MLflow's own Python client reads); synced to a server once, however
 * often sync runs; and kept in the spool while the server is down, then sent
 * by the drainer, each file once.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { TrackingClient } from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { setup } from "./helpers.ts";
import { test } from "./harness.ts";

const python = process.env.MLFLOW_PYTHON ??
  (existsSync(".venv/bin/python") ? ".venv/bin/python" : "");

function scratch(): { dir: string } & Disposable {
  const dir = mkdtempSync(join(tmpdir(), "artifacts-offline-"));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

async function until(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** An offline run with a model folder, a report and a dataset. */
async function offlineRun(dir: string): Promise<{ client: TrackingClient; runId: string }> {
  mkdirSync(join(dir, "model"), { recursive: true });
  writeFileSync(join(dir, "model/model.json"), '{"format":"layers-model"}');
  writeFileSync(join(dir, "model/weights.bin"), new Uint8Array(70_000).map((_, i) => i % 256));
  const client = new TrackingClient({ offline: true, storagePath: join(dir, "mlruns") });
  await client.setExperiment("offline-artifacts");
  const run = await client.startRun({ runName: "kept" });
  await run.logArtifacts(join(dir, "model"), "model");
  await run.logDict({ accuracy: 0.91 }, "eval/report.json");
  await run.logInput({ name: "mnist", source: "s3://data/mnist", context: "training" });
  run.logMetric("loss", 0.5);
  await run.end();
  return { client, runId: run.runId };
}

test("offline: artifacts sit in <run>/artifacts with the run's artifact_uri pointing there", async () => {
  using tmp = scratch();
  const { client, runId } = await offlineRun(tmp.dir);
  const record = await client.getRun(runId);
  const folder = fileURLToPath(record.info.artifactUri!);
  assert.equal(folder, join(tmp.dir, "mlruns", record.info.experimentId, runId, "artifacts"));
  assert.equal(readFileSync(join(folder, "model/model.json"), "utf8"), '{"format":"layers-model"}');
  assert.deepEqual(await client.listArtifacts(runId), [
    { path: "eval", isDir: true },
    { path: "model", isDir: true },
  ]);
  assert.deepEqual(await client.listArtifacts(runId, "model"), [
    { path: "model/model.json", isDir: false, fileSize: 25 },
    { path: "model/weights.bin", isDir: false, fileSize: 70_000 },
  ]);
  const out = await client.downloadArtifacts(runId, "eval/report.json", join(tmp.dir, "dl"));
  assert.deepEqual(JSON.parse(readFileSync(out, "utf8")), { accuracy: 0.91 });
  assert.deepEqual(record.inputs?.map((i) => [i.name, i.source, i.context]), [
    ["mnist", "s3://data/mnist", "training"],
  ]);
  await client.close();
});

// CI always has MLflow's Python client (.ci/run makes the venv); elsewhere the test needs one.
if (python !== "" || process.env.CI) {
  test("offline: MLflow's Python client lists and downloads our artifacts and reads our inputs", async () => {
    if (python === "") throw new Error("CI must set MLFLOW_PYTHON (a Python with mlflow)");
    using tmp = scratch();
    const { client, runId } = await offlineRun(tmp.dir);
    await client.close();
    const dst = join(tmp.dir, "py-dl");
    mkdirSync(dst);
    const read = JSON.parse(execFileSync(
      python,
      ["tests/fixtures/read_artifacts.py", join(tmp.dir, "mlruns"), runId, dst],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    ));
    assert.deepEqual(read.root, [["eval", true, null], ["model", true, null]]);
    assert.deepEqual(read.model, [
      ["model/model.json", false, 25],
      ["model/weights.bin", false, 70_000],
    ]);
    assert.equal(read.downloaded, join(dst, "model"));
    assert.equal(readFileSync(join(dst, "model/weights.bin")).length, 70_000);
    assert.equal(read.inputs.length, 1);
    assert.equal(read.inputs[0].name, "mnist");
    assert.equal(read.inputs[0].source, "s3://data/mnist");
    assert.equal(read.inputs[0].source_type, "s3");
    assert.deepEqual(read.inputs[0].tags, { "mlflow.data.context": "training" });
  });
}

test("sync sends artifacts and inputs once; a file logged again with new bytes goes again", async () => {
  using tmp = scratch();
  const server = new FakeMlflowServer();
  const { url } = await server.listen();
  try {
    const { client, runId } = await offlineRun(tmp.dir);
    const to = { apiHost: url, spoolPath: join(tmp.dir, "spool") };
    const first = await client.sync({ to });
    assert.equal(first.artifacts, 3);
    const remote = [...server.store().runs.values()][0];
    const root = `${remote.info.experiment_id}/${remote.info.run_id}/artifacts`;
    assert.equal(
      (await server.store().artifacts.bytes(`${root}/model/weights.bin`))?.length,
      70_000,
    );
    assert.deepEqual(remote.inputs.map((i) => i.dataset.name), ["mnist"]);

    const puts = server.count("artifacts:put");
    const second = await client.sync({ to });
    assert.equal(second.artifacts, 0);
    assert.equal(server.count("artifacts:put"), puts, "nothing resent");
    assert.equal(server.count("runs/log-inputs"), 1);

    // The run is ended; resume it offline and replace the report.
    const again = await client.startRun({ runId });
    await again.logDict({ accuracy: 0.93 }, "eval/report.json");
    await again.end();
    const third = await client.sync({ to });
    assert.equal(third.artifacts, 1, "only the changed file");
    assert.deepEqual(
      JSON.parse(
        new TextDecoder().decode(await server.store().artifacts.bytes(`${root}/eval/report.json`)),
      ),
      { accuracy: 0.93 },
    );
    await client.close();
  } finally {
    await server.close();
  }
});

test("server down past the retry budget: an upload waits in the spool and the drainer sends it once", async () => {
  using tmp = scratch();
  await using t = await setup({ client: { spoolRetryMs: 30 } });
  writeFileSync(join(tmp.dir, "ckpt.bin"), new Uint8Array(200_000).fill(9));
  const run = await t.client.startRun({ runName: "outage" });
  t.server.faults.failNext(1_000_000, 503);
  await run.logArtifact(join(tmp.dir, "ckpt.bin"), "checkpoints"); // resolves: safe on disk
  await run.logInput({ name: "mnist", source: "s3://data/mnist" });
  rmSync(join(tmp.dir, "ckpt.bin")); // the spool kept its own copy
  assert.equal(t.errors.length, 0);
  await run.end();
  const key = `0/${run.runId}/artifacts/checkpoints/ckpt.bin`;
  assert.equal(t.server.store().artifacts.read(key), undefined, "the server has nothing yet");

  const back = t.server.requests.length;
  t.server.faults.clear();
  const stored = t.server.store().runs.get(run.runId)!;
  await until(() => stored.info.status === "FINISHED");
  assert.equal((await t.server.store().artifacts.bytes(key))?.length, 200_000);
  const sent = t.server.requests.slice(back).filter((r) => r.route === "artifacts:put");
  assert.equal(sent.length, 1, "sent once");
  assert.deepEqual(stored.inputs.map((i) => i.dataset.name), ["mnist"]);
  assert.equal(stored.info.run_name, "outage");
});
