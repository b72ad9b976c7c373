/**
 * An offline store's logged model keeps its files in the store's own folder
 * (`<exp>/models/<id>/artifacts`), whatever its `meta.yaml` says: sync and
 * loadModel read there. Before, they read the folder `artifact_location`
 * named: a store moved from another machine synced no model files, and a
 * store unpacked from elsewhere could name any folder (`~/.ssh`) to upload.
 */
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { TrackingClient } from "../mod.ts";
import { FakeMlflowServer, loggedModelsOf } from "../src/testing/mod.ts";
import { test } from "./harness.ts";

/** An offline store holding one run with a logged model (`w.bin`); the model's meta.yaml path. */
async function storeWithModel(root: string) {
  const client = new TrackingClient({ offline: true, storagePath: root, onNotice: () => {} });
  const run = await client.startRun({ logSystemMetrics: false });
  const info = await run.logModel({
    files: { "w.bin": new Uint8Array([7, 7]) },
    flavors: { f: { data: "w.bin" } },
  });
  await run.end();
  await client.close();
  return { meta: join(root, "0", "models", info.modelId!, "meta.yaml"), modelId: info.modelId! };
}

/** The files of the logged models the server holds, by name. */
async function syncedModelFiles(root: string): Promise<string[]> {
  const server = new FakeMlflowServer();
  const client = new TrackingClient({ offline: true, storagePath: root, onNotice: () => {} });
  const report = await client.sync({ to: { apiHost: "http://fake", fetch: server.fetch } });
  await client.close();
  assert.equal(report.models, 1);
  const target = new TrackingClient({ apiHost: "http://fake", fetch: server.fetch });
  const [modelId] = [...loggedModelsOf(server.store()).keys()];
  const loaded = await target.loadModel(`models:/${modelId}`);
  await target.close();
  return [...Object.keys(loaded.mlmodel.flavors), readFileSync(loaded.dataPath!).join(",")];
}

test("a store moved from another machine syncs its logged model's files (it read the old path)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "moved-"));
  try {
    await storeWithModel(join(dir, "first"));
    cpSync(join(dir, "first"), join(dir, "moved"), { recursive: true });
    rmSync(join(dir, "first"), { recursive: true });
    assert.deepEqual(await syncedModelFiles(join(dir, "moved")), ["f", "7,7"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a logged model's artifact_location naming another folder is not followed by sync", async () => {
  const dir = mkdtempSync(join(tmpdir(), "planted-"));
  try {
    const root = join(dir, "mlruns");
    const { meta } = await storeWithModel(root);
    const elsewhere = join(dir, "home", ".ssh");
    mkdirSync(elsewhere, { recursive: true });
    writeFileSync(join(elsewhere, "id_rsa"), "PRIVATE KEY");
    writeFileSync(join(elsewhere, "MLmodel"), "flavors:\n  f:\n    data: id_rsa\n");
    const text = readFileSync(meta, "utf8").replace(
      /artifact_location: .*/,
      `artifact_location: ${pathToFileURL(elsewhere).href}`,
    );
    writeFileSync(meta, text);
    assert.deepEqual(await syncedModelFiles(root), ["f", "7,7"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
