/**
 * Artifacts on OICM, as its Python v2 client sends them: below the multipart
 * minimum one PUT to the run's http(s) artifact URI; at or above it the
 * multipart flow (create, a PUT of each part to the storage URL without our
 * API key, complete with each part's ETag and CRC-32), which the fake checks
 * and refuses when a part's bytes do not match.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NotFoundError, TrackingError } from "../mod.ts";
import type { FetchFn } from "../src/http/transport.ts";
import { crc32, crc32Base64 } from "../src/artifacts/crc32.ts";
import { setup } from "./helpers.ts";
import { test } from "./harness.ts";

const MiB = 1 << 20;
const parts = { chunkBytes: MiB, minFileBytes: 2 * MiB };

function withFile(size: number): { path: string; bytes: Uint8Array } & Disposable {
  const dir = mkdtempSync(join(tmpdir(), "oicm-artifacts-"));
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 11)) & 0xff;
  const path = join(dir, "weights.bin");
  writeFileSync(path, bytes);
  return { path, bytes, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

const oicmClient = { workspaceId: "ws-1", logSystemMetrics: false, multipartUpload: parts };

test("OICM: a file at or above the minimum goes in parts checked by CRC-32, without our key on the parts", async () => {
  using file = withFile(5 * MiB + 12_345);
  await using t = await setup({ oicm: true, client: oicmClient });
  await t.client.setExperiment("oicm-artifacts");
  const run = await t.client.startRun({ runName: "multipart" });
  await run.logArtifact(file.path, "model");

  const create = t.server.requests.find((r) => r.route === "mpu:create")!;
  assert.equal(create.workspace, "ws-1");
  assert.deepEqual(create.body, {
    path: "model/weights.bin",
    file_name: "weights.bin",
    file_size: file.bytes.length,
    kind: "mlflow_artifact",
    crc32: crc32Base64(crc32(file.bytes)),
    chunk_size: MiB,
    run_id: run.runId,
  });
  assert.equal(create.headers.authorization, "Bearer test-key");
  const partRequests = t.server.requests.filter((r) => r.route === "mpu:part");
  assert.equal(partRequests.length, 6, "5 MiB + a bit in 1 MiB parts");
  for (const p of partRequests) {
    assert.equal(p.headers.authorization, undefined, "a storage URL gets no API key");
    assert.ok(p.headers["x-fake-upload-token"], "the headers the create answer gave");
  }
  const complete = t.server.requests.find((r) => r.route === "mpu:complete")!;
  const sent = complete.body.parts as { part_number: number; etag: string; crc32: string }[];
  assert.deepEqual(sent.map((p) => p.part_number), [1, 2, 3, 4, 5, 6]);
  assert.equal(
    sent[5].crc32,
    crc32Base64(crc32(file.bytes.subarray(5 * MiB))),
    "the last part's CRC covers only its bytes",
  );
  assert.equal(t.server.count("artifacts:put"), 0);

  // Stored whole, behind the workspace's artifact service; it reads back.
  const info = (await t.client.getRun(run.runId)).info;
  assert.match(
    info.artifactUri!,
    /^http:\/\/127\.0\.0\.1:\d+\/api\/tracking\/v1\/workspaces\/ws-1\//,
  );
  const dir = mkdtempSync(join(tmpdir(), "oicm-dl-"));
  try {
    const local = await t.client.downloadArtifacts(run.runId, "model/weights.bin", dir);
    assert.ok(Buffer.from(file.bytes).equals(readFileSync(local)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await run.end();
});

test("OICM: a file below the minimum is one PUT to the workspace's artifact service", async () => {
  using file = withFile(MiB);
  await using t = await setup({ oicm: true, client: oicmClient });
  await t.client.setExperiment("oicm-artifacts");
  const run = await t.client.startRun();
  await run.logArtifact(file.path);
  await run.logDict({ a: 1 }, "meta.json");
  const puts = t.server.requests.filter((r) => r.route === "artifacts:put");
  assert.equal(puts.length, 2);
  assert.ok(
    puts.every((p) => p.workspace === "ws-1" && p.headers.authorization === "Bearer test-key"),
  );
  assert.equal(t.server.count("mpu:create"), 0);
  assert.deepEqual(
    (await t.client.listArtifacts(run.runId)).map((e) => e.path),
    ["meta.json", "weights.bin"],
  );
  await run.end();
});

test("OICM: multipartUpload.enabled false sends even a large file in one PUT", async () => {
  using file = withFile(3 * MiB);
  await using t = await setup({
    oicm: true,
    client: { ...oicmClient, multipartUpload: { ...parts, enabled: false } },
  });
  await t.client.setExperiment("oicm-artifacts");
  const run = await t.client.startRun();
  await run.logArtifact(file.path);
  assert.equal(t.server.count("mpu:create"), 0);
  assert.equal(t.server.count("artifacts:put"), 1);
  await run.end();
});

test("OICM: a part whose bytes changed on the way is refused at completion, naming the part", async () => {
  using file = withFile(3 * MiB);
  // Between client and storage, one byte of part 2 flips (a corrupting proxy).
  let serverFetch: FetchFn = fetch;
  const corrupting: FetchFn = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.endsWith("/2") && url.includes("/fake-storage/mpu/") && init?.body) {
      const bytes = new Uint8Array(await new Response(init.body).arrayBuffer());
      bytes[100] ^= 0xff;
      const { duplex: _, ...rest } = init as RequestInit & { duplex?: string };
      return await serverFetch(input, { ...rest, body: bytes });
    }
    return await serverFetch(input, init);
  };
  await using t = await setup({ oicm: true, client: { ...oicmClient, fetch: corrupting } });
  serverFetch = globalThis.fetch;
  await t.client.setExperiment("oicm-artifacts");
  const run = await t.client.startRun();
  await assert.rejects(run.logArtifact(file.path), (e: unknown) => {
    assert.ok(e instanceof TrackingError && e.status === 400, String(e));
    assert.match(e.message, /part 2: CRC32 .* does not match the bytes received/);
    return true;
  });
  assert.deepEqual(await t.client.listArtifacts(run.runId), [], "nothing half-stored");
  await run.end();
});

test("OICM: logInput, which OICM's Python client never sends, fails with a clear error", async () => {
  await using t = await setup({ oicm: true, client: oicmClient });
  await t.client.setExperiment("oicm-artifacts");
  const run = await t.client.startRun();
  await assert.rejects(run.logInput({ name: "mnist" }), (e: unknown) => {
    assert.ok(e instanceof NotFoundError, String(e));
    assert.match(e.message, /runs\/log-inputs is not served by OICM Tracking/);
    return true;
  });
  await run.end();
});
