/**
 * A symbolic link put in a store (a store copied from elsewhere, unpacked from
 * a tarball) is not followed: sync does not upload the file it leads to, and
 * downloads from the store do not hand it out. This client never makes a link
 * in a store (logArtifacts skips them), so one there was put by someone else.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TrackingClient, ValidationError } from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { test } from "./harness.ts";

/** A store with one run holding notes/a.txt, and links in its folders to a file and a folder outside. */
async function storeWithLinks() {
  const dir = mkdtempSync(join(tmpdir(), "links-"));
  const outside = join(dir, "home");
  mkdirSync(outside);
  writeFileSync(join(outside, "id_rsa"), "PRIVATE KEY");
  const store = join(dir, "mlruns");
  const client = new TrackingClient({ offline: true, storagePath: store, onNotice: () => {} });
  const run = await client.withRun({ runName: "r" }, async (r) => {
    r.logMetric("loss", 1);
    await r.logText("hi", "notes/a.txt");
    return r;
  });
  const runDir = join(store, "0", run.runId);
  symlinkSync(join(outside, "id_rsa"), join(runDir, "artifacts", "notes", "innocent.txt"));
  symlinkSync(outside, join(runDir, "artifacts", "home"));
  symlinkSync(join(outside, "id_rsa"), join(runDir, "metrics", "stolen"));
  return {
    client,
    runId: run.runId,
    dir,
    [Symbol.asyncDispose]: async () => {
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test("sync does not upload the file a link in the store leads to (it sent ~/.ssh/id_rsa as an artifact)", async () => {
  await using s = await storeWithLinks();
  const server = new FakeMlflowServer();
  const report = await s.client.sync({ to: { apiHost: "http://fake", fetch: server.fetch } });
  assert.equal(report.artifacts, 1, "notes/a.txt only");
  const bodies = JSON.stringify(server.requests.map((r) => r.body));
  assert.ok(!bodies.includes("stolen"), "no metric from the linked file");
  const target = new TrackingClient({ apiHost: "http://fake", fetch: server.fetch });
  const [run] = await target.searchRuns({ experimentIds: ["0"] });
  assert.deepEqual((await target.listArtifacts(run.info.runId, "notes")).map((e) => e.path), [
    "notes/a.txt",
  ]);
  assert.deepEqual(await target.listArtifacts(run.info.runId, "home"), []);
  await target.close();
});

test("a store's listing leaves links out, and downloading one is refused (it copied the file outside)", async () => {
  await using s = await storeWithLinks();
  const paths = (await s.client.listArtifacts(s.runId)).map((e) => e.path);
  assert.deepEqual(paths, ["notes"]);
  assert.deepEqual((await s.client.listArtifacts(s.runId, "notes")).map((e) => e.path), [
    "notes/a.txt",
  ]);
  const dst = join(s.dir, "dst");
  const err = await s.client.downloadArtifacts(s.runId, "notes/innocent.txt", dst).catch((e) => e);
  assert.ok(err instanceof ValidationError, String(err));
  assert.equal(err.code, "UNSAFE_ARTIFACT_PATH");
  await s.client.downloadArtifacts(s.runId, "", dst);
  assert.deepEqual(readdirSync(join(dst, "notes")), ["a.txt"]);
});
