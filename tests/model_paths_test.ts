/**
 * Model paths and ids are checked where they enter: a `models:/` id is an id
 * (no dot segment), offline it must be one the store makes; a `runs:/` path
 * and a model's file names pass the artifact path rule, under the name the
 * rule reads.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TrackingClient, ValidationError } from "../mod.ts";
import { setup } from "./helpers.ts";
import { test } from "./harness.ts";

function scratch(): { dir: string } & Disposable {
  const dir = mkdtempSync(join(tmpdir(), "model-paths-"));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

test("models:/.. is refused before any request: it requested /api/2.0/mlflow/ instead of a model", async () => {
  await using t = await setup();
  const before = t.server.requests.length;
  for (const uri of ["models:/..", "models:/.", "models:/m-1\\..\\x"]) {
    await assert.rejects(
      t.client.loadModel(uri),
      (e: unknown) => e instanceof ValidationError && /modelId/.test(e.message),
      uri,
    );
  }
  assert.equal(t.server.requests.length, before, "no request");
});

test("offline, a model id is checked before it becomes a path: models:/.. read the experiment's folder", async () => {
  using tmp = scratch();
  const client = new TrackingClient({ offline: true, storagePath: tmp.dir, onNotice: () => {} });
  await client.withRun({}, (run) => run.logParam("a", 1));
  for (const [uri, message] of [["models:/..", /dot segment/], ["models:/m-x", /'m-' and 32/]]) {
    const dst = join(tmp.dir, "out");
    await assert.rejects(
      client.loadModel(uri as string, { dstPath: dst }),
      (e: unknown) => e instanceof ValidationError && (message as RegExp).test(e.message),
      uri as string,
    );
    assert.deepEqual(existsSync(dst) ? readdirSync(dst) : [], [], `${uri}: nothing downloaded`);
  }
  await client.close();
});

test("a runs:/ path passes the artifact path rule before any request: '/etc', 'a\\..\\..', NUL were sent on", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  await run.ready;
  const before = t.server.requests.length;
  for (
    const [path, message] of [
      ["/etc", /absolute/],
      ["a\\..\\..\\..", /'\.\.'/],
      ["x\0y", /NUL/],
      ["#tmp.model", /#tmp\./],
    ] as const
  ) {
    await assert.rejects(
      t.client.loadModel(`runs:/${run.runId}/${path}`),
      (e: unknown) => e instanceof ValidationError && message.test(e.message),
      path,
    );
  }
  assert.equal(t.server.requests.length, before, "no request");
  await run.end();
});

test("a model's file names are stored as the path rule reads them: 'sub\\w.bin' was kept raw and loadModel refused the model", async () => {
  using tmp = scratch();
  const client = new TrackingClient({ offline: true, storagePath: tmp.dir, onNotice: () => {} });
  const run = await client.startRun({ logSystemMetrics: false });
  const info = await run.logModel({
    files: { "sub\\w.bin": new Uint8Array([1, 2]), "./notes.txt": new Uint8Array([3]) },
    flavors: { f: { data: "sub/w.bin" } },
  });
  for (
    const [files, message] of [
      [{ "./MLmodel": new Uint8Array(1) }, /MLmodel is written for you/],
      [{ "a/b": new Uint8Array(1), "a//b": new Uint8Array(1) }, /two files are named 'a\/b'/],
    ] as const
  ) {
    await assert.rejects(
      run.logModel({ files, flavors: { f: {} }, artifactPath: "other" }),
      (e: unknown) => e instanceof ValidationError && message.test(e.message),
    );
  }
  await run.end();
  const model = await client.loadModel(info.modelUri, { dstPath: join(tmp.dir, "back") });
  assert.deepEqual([...readFileSync(model.dataPath!)], [1, 2]);
  assert.deepEqual([...readFileSync(join(model.folder, "notes.txt"))], [3]);
  await client.close();
});

test("loadModel checks the flavor on MLmodel alone: a model of another flavor was downloaded whole first", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  const info = await run.logModel({
    files: { "big.bin": new Uint8Array(1 << 16), "more/part.bin": new Uint8Array(8) },
    flavors: { sklearn: { data: "big.bin" } },
  });
  await run.end();
  const before = t.server.requests.length;
  await assert.rejects(
    t.client.loadModel(info.modelUri, { flavor: "onnx" }),
    (e: unknown) => e instanceof ValidationError && /not a 'onnx' model/.test(e.message),
  );
  const fetched = t.server.requests.slice(before).filter((r) => r.route === "artifacts:get");
  assert.equal(fetched.length, 1, "MLmodel only");
  const model = await t.client.loadModel(info.modelUri, { flavor: "sklearn" });
  assert.equal(readFileSync(model.dataPath!).length, 1 << 16);
  assert.ok(existsSync(join(model.folder, "more", "part.bin")));
});
