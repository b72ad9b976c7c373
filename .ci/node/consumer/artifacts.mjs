// Artifacts on Node 20 from the packed tarball: a small file (fetch), a 40 MiB one (streamed
// over node:http), OICM's multipart flow, download back, and the offline store.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TrackingClient } from "@oicm/tracking";
import { FakeMlflowServer } from "@oicm/tracking/testing";

const dir = mkdtempSync(join(tmpdir(), "node-artifacts-"));
const big = new Uint8Array(40 << 20).map((_, i) => (i * 7) % 251);
writeFileSync(join(dir, "big.bin"), big);

const server = new FakeMlflowServer({ apiKey: "k-1234" });
const { url } = await server.listen();
for (const oicm of [false, true]) {
  const tc = new TrackingClient({
    apiHost: oicm ? `${url}/api/tracking` : url,
    apiKey: "k-1234",
    spoolPath: join(dir, `spool-${oicm}`),
    logSystemMetrics: false,
    multipartUpload: { chunkBytes: 8 << 20, minFileBytes: 16 << 20 },
  });
  await tc.setExperiment("artifacts", oicm ? { workspaceId: "ws" } : {});
  const run = await tc.startRun();
  await run.logArtifact(join(dir, "big.bin"), "model");
  await run.logDict({ ok: true }, "meta.yaml");
  const back = await tc.downloadArtifacts(run.runId, "model/big.bin", join(dir, `dl-${oicm}`));
  assert.ok(Buffer.from(big).equals(readFileSync(back)), "same bytes back");
  await run.end();
  await tc.close();
}
assert.equal(server.count("mpu:part"), 5, "40 MiB in 8 MiB parts on OICM");

const offline = new TrackingClient({ offline: true, storagePath: join(dir, "mlruns") });
const run = await offline.startRun();
await run.logText("hi", "notes.txt");
await run.end();
assert.deepEqual((await offline.listArtifacts(run.runId)).map((e) => e.path), ["notes.txt"]);
await offline.close();
await server.close();
console.log("artifacts ok");
