/**
 * The client's online contract, one suite for two servers: the in-process fake (on a loopback
 * port) by default, and a real `mlflow server` when CONTRACT_SERVER_URL names one (.ci/run starts
 * one from the .venv it builds and runs this file again against it). Where the two differ, the
 * fake is changed to match MLflow, never the test weakened. Every name is unique per run, so the
 * suite runs against a server that already holds data.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { Buffer } from "node:buffer";
import {
  DeliveryError,
  NotFoundError,
  ParamConflictError,
  type TrackingClient,
  TrackingClient as Client,
  TrackingError,
  ValidationError,
} from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { test } from "./harness.ts";

const REAL = process.env.CONTRACT_SERVER_URL;
const against = REAL ? `real MLflow at ${REAL}` : "the fake server";
const unique = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

async function connect(): Promise<{ client: TrackingClient; url: string } & AsyncDisposable> {
  let server: FakeMlflowServer | undefined;
  let url = REAL;
  if (url === undefined) {
    server = new FakeMlflowServer({ recordRequests: false });
    url = (await server.listen()).url;
  }
  const client = new Client({
    apiHost: url,
    flushIntervalMs: 20,
    retry: { maxRetries: 2, initialDelayMs: 50, maxDelayMs: 200, maxElapsedMs: 5_000 },
    spoolPath: `${process.env.TMPDIR ?? "/tmp"}/contract-spool-${unique()}`,
    onNotice: () => {},
  });
  return {
    client,
    url,
    async [Symbol.asyncDispose]() {
      await client.close().catch(() => {});
      await server?.close();
    },
  };
}

test(`contract (${against}): experiments are got or created, tagged, found, searched, deleted`, async () => {
  await using s = await connect();
  const name = `contract-exp-${unique()}`;
  const made = await s.client.setExperiment(name, { tags: ["vision", "baseline"] });
  await s.client.setExperimentTags({ team: "ml" });
  const again = await s.client.createExperiment(name);
  assert.equal(again.experimentId, made.experimentId, "get or create");
  const read = await s.client.getExperiment(made.experimentId);
  assert.equal(read.name, name);
  assert.equal(read.lifecycleStage, "active");
  assert.deepEqual(
    { vision: read.tags.vision, baseline: read.tags.baseline, team: read.tags.team },
    { vision: "_OI_USER_TAG", baseline: "_OI_USER_TAG", team: "ml" },
  );
  assert.equal((await s.client.getExperimentByName(name))?.experimentId, made.experimentId);
  assert.equal(await s.client.getExperimentByName(`absent-${unique()}`), undefined);
  const found = await s.client.searchExperiments({ filter: `name = '${name}'` });
  assert.deepEqual(found.map((e) => e.experimentId), [made.experimentId]);
  await s.client.deleteExperiment(made.experimentId);
  assert.equal((await s.client.getExperiment(made.experimentId)).lifecycleStage, "deleted");
  await assert.rejects(s.client.setExperiment(name), /deleted/);
  const missing = await s.client.getExperiment("987654321").catch((e) => e);
  assert.ok(missing instanceof NotFoundError, String(missing));
  assert.equal(missing.code, "RESOURCE_DOES_NOT_EXIST");
});

test(`contract (${against}): runs start, resume by name (any name) or id, and end with a status`, async () => {
  await using s = await connect();
  await s.client.setExperiment(`contract-runs-${unique()}`);
  const names = ["plain", "train and eval", "it's", 'say "hi"', "back\\slash", "损失 run"];
  const ids = new Map<string, string>();
  for (const name of names) {
    const run = await s.client.startRun({ runName: name, tags: ["t"], description: "d" });
    assert.equal(run.info.status, "RUNNING");
    ids.set(name, run.runId);
    await run.end("FAILED");
  }
  for (const name of names) {
    const run = await s.client.startRun({ runName: name });
    assert.equal(run.runId, ids.get(name), `resumed ${JSON.stringify(name)}`);
    assert.equal(run.info.status, "RUNNING");
    await run.end("KILLED");
    const got = await s.client.getRun(run.runId);
    assert.equal(got.info.status, "KILLED");
    assert.equal(got.info.runName, name);
    assert.ok(got.info.endTime! >= got.info.startTime);
    assert.equal(got.data.tags["mlflow.note.content"], "d");
    assert.equal(got.data.tags.t, "_OI_USER_TAG");
  }
  const byId = await s.client.startRun({ runId: ids.get("plain")! });
  assert.equal(byId.info.runName, "plain");
  await byId.end();
  const fresh = await s.client.startRun({ runName: "plain", resume: false });
  assert.notEqual(fresh.runId, ids.get("plain"));
  await fresh.end();
  const unnamed = await s.client.startRun();
  assert.match(unnamed.info.runName, /\S/, "the server names a run given no name");
  await unnamed.end();
  const missing = await s.client.getRun("0123456789abcdef0123456789abcdef").catch((e) => e);
  assert.ok(missing instanceof NotFoundError, String(missing));
});

test(`contract (${against}): params, metrics with steps and timestamps, tags, NaN and infinities`, async () => {
  await using s = await connect();
  await s.client.setExperiment(`contract-data-${unique()}`);
  const run = await s.client.startRun({ runName: "data" });
  run.logParams({ lr: 0.01, layers: [64, 32], name: "adam" });
  run.logParam("lr", 0.01); // the same value again: skipped
  assert.throws(() => run.logParam("lr", 0.02), ParamConflictError);
  const t0 = 1_700_000_000_000;
  for (let step = 0; step < 2500; step++) {
    run.logMetric("loss", 1 / (step + 1), { step, timestamp: t0 + step });
  }
  run.logMetrics({ nan: NaN, pos: Infinity, neg: -Infinity, "val/acc": 0.5, "损失": 2 }, {
    step: 3,
    timestamp: t0,
  });
  run.setTag("phase", "a");
  run.setTag("phase", "b"); // the later value wins
  run.setTags({ "x/y": "z" });
  await run.end();
  const got = await s.client.getRun(run.runId);
  assert.deepEqual(
    { lr: got.data.params.lr, layers: got.data.params.layers, name: got.data.params.name },
    { lr: "0.01", layers: "[64,32]", name: "adam" },
  );
  assert.equal(got.data.tags.phase, "b");
  assert.equal(got.data.tags["x/y"], "z");
  assert.equal(got.data.metrics.loss, 1 / 2500);
  assert.ok(Number.isNaN(got.data.metrics.nan));
  // MLflow's SQL store keeps ±Infinity as ±Number.MAX_VALUE.
  assert.equal(got.data.metrics.pos, Number.MAX_VALUE);
  assert.equal(got.data.metrics.neg, -Number.MAX_VALUE);
  assert.equal(got.data.metrics["损失"], 2);
  const history = await s.client.getMetricHistory(run.runId, "loss");
  assert.equal(history.length, 2500, "every point, once");
  assert.deepEqual(history.slice(0, 3).map((p) => [p.step, p.timestamp]), [
    [0, t0],
    [1, t0 + 1],
    [2, t0 + 2],
  ]);
  assert.ok(history.every((p, i) => p.step === i), "in step order");
});

test(`contract (${against}): a param the run has is refused alone; the rest of the batch lands`, async () => {
  await using s = await connect();
  const exp = await s.client.setExperiment(`contract-conflict-${unique()}`);
  const first = await s.client.startRun({ runName: "shared" });
  // A second worker opens the run by id while it has no params yet...
  const errors: unknown[] = [];
  const second = new Client({
    apiHost: s.url,
    experimentId: exp.experimentId,
    onError: (e) => errors.push(e),
    onNotice: () => {},
  });
  const joined = await second.startRun({ runId: first.runId });
  // ... then the first logs worker=0, and the second worker=1 with its 500 points.
  first.logParam("worker", "0");
  await s.client.flush();
  joined.logParam("worker", "1");
  for (let step = 0; step < 500; step++) joined.logMetric("w1/loss", step, { step });
  joined.setTag("w1", "done");
  const err = await second.flush().catch((e) => e);
  assert.ok(err instanceof DeliveryError, String(err));
  const conflict = err.errors.find((e) => e instanceof ParamConflictError);
  assert.ok(conflict instanceof ParamConflictError, String(err));
  assert.deepEqual([conflict.key, conflict.existing, conflict.attempted], ["worker", "0", "1"]);
  assert.equal((await s.client.getMetricHistory(first.runId, "w1/loss")).length, 500);
  const got = await s.client.getRun(first.runId);
  assert.deepEqual([got.data.params.worker, got.data.tags.w1], ["0", "done"]);
  await joined.end().catch(() => {});
  await second.close().catch(() => {});
  await first.end();
});

test(`contract (${against}): nested runs, search with filters, ordering and pages`, async () => {
  await using s = await connect();
  const exp = await s.client.setExperiment(`contract-search-${unique()}`);
  const parent = await s.client.startRun({ runName: "sweep" });
  for (let i = 0; i < 12; i++) {
    const child = await s.client.startRun({ runName: `trial-${i}`, nested: true });
    child.logParam("lr", i % 3 === 0 ? "0.1" : "0.01");
    child.logMetric("loss", 12 - i);
    await child.end();
  }
  await parent.end();
  const children = await s.client.searchRuns({
    experimentIds: [exp.experimentId],
    filter: `tags.mlflow.parentRunId = '${parent.runId}' AND params.lr = '0.1'`,
    orderBy: ["metrics.loss ASC"],
  });
  assert.deepEqual(children.map((r) => r.info.runName), [
    "trial-9",
    "trial-6",
    "trial-3",
    "trial-0",
  ]);
  const paged = await s.client.searchRuns({ experimentIds: [exp.experimentId], maxResults: 5 });
  assert.equal(paged.length, 5);
  const all = await s.client.searchRuns({ experimentIds: [exp.experimentId] });
  assert.equal(all.length, 13);
  const kid = await s.client.getRun(children[0].info.runId);
  assert.equal(kid.data.tags["mlflow.parentRunId"], parent.runId);
  await assert.rejects(
    s.client.searchRuns({ experimentIds: [exp.experimentId], filter: "params.lr ~ 'x'" }),
    TrackingError,
  );
});

test(`contract (${against}): bad input is refused before any request, with the reason`, async () => {
  await using s = await connect();
  const run = await s.client.startRun();
  for (const key of ["", "a//b", "bad!key", "../up", "emoji😀"]) {
    assert.throws(() => run.logMetric(key, 1), ValidationError, JSON.stringify(key));
  }
  assert.throws(() => run.logMetric("m", 1, { step: 1.5 }), /step must be an integer/);
  assert.throws(() => run.logParam("p", "x".repeat(6001)), /6001 characters/);
  await run.end();
});

test(`contract (${against}): artifacts go through the artifact service and come back; inputs read back`, async () => {
  await using s = await connect();
  await s.client.setExperiment(`contract-artifacts-${unique()}`);
  const dir = mkdtempSync(join(tmpdir(), "contract-artifacts-"));
  try {
    // Over 32 MiB: streamed from disk with its length (smaller files go whole).
    const weights = new Uint8Array(33 * (1 << 20) + 17).map((_, i) => (i * 13) % 256);
    mkdirSync(join(dir, "model"));
    writeFileSync(join(dir, "model/weights.bin"), weights);
    writeFileSync(join(dir, "model/model.json"), '{"format":"layers-model"}');
    const run = await s.client.startRun({ runName: "artifacts" });
    await run.logArtifacts(join(dir, "model"), "model");
    await run.logText("ünïcode notes\n", "notes/readme.md");
    await run.logDict({ classes: ["a", "b"] }, "eval/meta.yaml");
    await run.logInput({ name: "digits", source: "s3://data/digits", context: "training" });
    assert.match((await s.client.getRun(run.runId)).info.artifactUri!, /^mlflow-artifacts:/);
    assert.deepEqual(await s.client.listArtifacts(run.runId), [
      { path: "eval", isDir: true },
      { path: "model", isDir: true },
      { path: "notes", isDir: true },
    ]);
    assert.deepEqual(await s.client.listArtifacts(run.runId, "model"), [
      { path: "model/model.json", isDir: false, fileSize: 25 },
      { path: "model/weights.bin", isDir: false, fileSize: weights.length },
    ]);
    assert.deepEqual(await s.client.listArtifacts(run.runId, "model/model.json"), []);
    const local = await s.client.downloadArtifacts(run.runId, "model", join(dir, "dl"));
    assert.ok(Buffer.from(weights).equals(readFileSync(join(local, "weights.bin"))));
    const notes = await s.client.downloadArtifacts(run.runId, "notes/readme.md", join(dir, "dl"));
    assert.equal(readFileSync(notes, "utf8"), "ünïcode notes\n");
    const yaml = await s.client.downloadArtifacts(run.runId, "eval/meta.yaml", join(dir, "dl"));
    assert.equal(readFileSync(yaml, "utf8"), "classes:\n  - a\n  - b\n");
    const inputs = (await s.client.getRun(run.runId)).inputs ?? [];
    assert.deepEqual(inputs.map((i) => [i.name, i.source, i.sourceType, i.context]), [
      ["digits", "s3://data/digits", "s3", "training"],
    ]);
    await run.end();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`contract (${against}): an offline run's artifacts and inputs sync up once`, async () => {
  await using s = await connect();
  const dir = mkdtempSync(join(tmpdir(), "contract-sync-"));
  try {
    const local = new Client({
      offline: true,
      storagePath: join(dir, "mlruns"),
      onNotice: () => {},
    });
    const experiment = `contract-sync-${unique()}`;
    await local.setExperiment(experiment);
    const run = await local.startRun({ runName: "offline artifacts" });
    await run.logDict({ accuracy: 0.9 }, "eval/report.json");
    await run.logInput({ name: "digits", digest: "d1", source: "s3://data/digits" });
    await run.end();
    const first = await local.sync({ to: s.client });
    const second = await local.sync({ to: s.client });
    assert.deepEqual([first.artifacts, second.artifacts], [1, 0]);
    await s.client.setExperiment(experiment);
    const [remote] = await s.client.searchRuns();
    assert.equal(remote.info.runName, "offline artifacts");
    const report = await s.client.downloadArtifacts(remote.info.runId, "eval", join(dir, "dl"));
    assert.deepEqual(JSON.parse(readFileSync(join(report, "report.json"), "utf8")), {
      accuracy: 0.9,
    });
    assert.deepEqual(remote.inputs?.map((i) => [i.name, i.digest]), [["digits", "d1"]]);
    await local.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
