/**
 * The exported fake server is safe to point tests at: only the liveness route
 * itself skips the key check, a workspace name is decoded once and names a
 * folder inside `artifactsDir`, a JSON body over MLflow's 1 MB is refused
 * before the rest is read, and the addresses it hands out come from where it
 * listens, never from the request's `Host` header.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { test } from "./harness.ts";

const WS = "/api/tracking/v1/workspaces";
const ARTIFACTS = "/mlflow/api/2.0/mlflow-artifacts/artifacts";

/** One raw HTTP request over a socket (any `Host` header, any body); status and body. */
function raw(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        hostname,
        port,
        method: options.method ?? "GET",
        path: options.path,
        headers: options.headers,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => text += c);
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (options.body !== undefined) req.write(options.body);
    // A body announced but not sent whole stays open: the answer must not wait for the rest.
    if (options.headers?.["content-length"] === undefined) req.end();
  });
}

test("fake: a path that merely ends in /liveness needs the key like any other", async () => {
  const server = new FakeMlflowServer({ apiKey: "k" });
  const put = await server.fetch(`http://fake${WS}/ws-1${ARTIFACTS}/0/r/artifacts/liveness`, {
    method: "PUT",
    body: "planted without a key",
  });
  assert.equal(put.status, 401, await put.text());
  const get = await server.fetch(`http://fake/api/2.0/mlflow/experiments/liveness`);
  assert.equal(get.status, 401);
  assert.equal(server.store("ws-1").artifacts.read("0/r/artifacts/liveness"), undefined);
  const probe = await server.fetch("http://fake/api/tracking/liveness");
  assert.equal(probe.status, 200, "the liveness probe itself stays open");
});

test("fake: a workspace name is decoded once and its files stay inside artifactsDir", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fake-ws-"));
  const artifactsDir = join(dir, "artifacts");
  const server = new FakeMlflowServer({ artifactsDir });
  try {
    // A client's workspaceId "%2e%2e%2fESCAPED", encoded once as a client sends it.
    const once = encodeURIComponent("%2e%2e%2fESCAPED");
    const put = await server.fetch(`http://fake${WS}/${once}${ARTIFACTS}/a.txt`, {
      method: "PUT",
      body: "x",
    });
    assert.equal(put.status, 200, await put.text());
    assert.ok(!existsSync(join(dir, "ESCAPED")), "nothing beside artifactsDir");
    assert.deepEqual(readdirSync(artifactsDir), ["%2e%2e%2fESCAPED"]);
    // Names that would be paths are not workspace ids.
    for (const ws of ["..%2FESCAPED2", "a%2Fb", "%5C..", "%00"]) {
      const res = await server.fetch(`http://fake${WS}/${ws}${ARTIFACTS}/b.txt`, {
        method: "PUT",
        body: "x",
      });
      assert.equal(res.status, 400, `${ws}: ${await res.text()}`);
    }
    assert.deepEqual(readdirSync(dir), ["artifacts"], "nothing beside artifactsDir");
    assert.throws(() => server.store(".."), /Invalid workspace id/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A body of `size` bytes made as it is read; `pulled()` says how much was. */
function lazyBody(size: number) {
  let pulled = 0;
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= size) return controller.close();
      pulled += chunk.length;
      controller.enqueue(chunk);
    },
  });
  return { body, pulled: () => pulled };
}

test("fake: a JSON body over 1 MB is refused before the rest of it is read", async () => {
  const server = new FakeMlflowServer();
  for (
    const [route, status, message] of [
      ["runs/log-batch", 400, /Batched logging API requests must be at most 1000000 bytes/],
      ["runs/create", 413, /over 1000000 bytes/],
    ] as const
  ) {
    const { body, pulled } = lazyBody(50 * 1024 * 1024);
    const init: RequestInit & { duplex: "half" } = { method: "POST", body, duplex: "half" };
    const answer = await server.handle(new Request(`http://fake/api/2.0/mlflow/${route}`, init));
    assert.ok(answer !== "drop");
    assert.equal(answer.status, status, route);
    const json = await answer.json();
    assert.match(json.message, message);
    assert.ok(pulled() <= 1_100_000, `${route}: read ${pulled()} bytes of 50 MiB`);
  }
  // Over a socket, a body announced as 200 MB is answered at once, before it is sent.
  const { url } = await server.listen();
  try {
    const res = await raw(url, {
      method: "POST",
      path: "/api/2.0/mlflow/runs/log-batch",
      headers: { "content-type": "application/json", "content-length": String(200 * 1024 ** 2) },
      body: '{"run_id": "',
    });
    assert.equal(res.status, 400);
    assert.match(res.text, /got a request of size 209715200/);
  } finally {
    await server.close();
  }
});

test("fake: OICM's artifact_uri is built from the listening address, not the Host header", async () => {
  const server = new FakeMlflowServer({ oicm: true });
  const { url } = await server.listen();
  try {
    const call = (path: string, body: unknown) =>
      raw(url, {
        method: "POST",
        path: `${WS}/ws-1/mlflow/api/2.0/mlflow/${path}`,
        headers: { "content-type": "application/json", host: "attacker.example:8443" },
        body: JSON.stringify(body),
      }).then((r) => JSON.parse(r.text));
    const { experiment_id } = await call("experiments/create", { name: "e" });
    const { run } = await call("runs/create", { experiment_id, start_time: 1 });
    const uri: string = run.info.artifact_uri;
    assert.ok(uri.startsWith(`${url}${WS}/ws-1/`), uri);
    assert.ok(!uri.includes("attacker"), uri);
  } finally {
    await server.close();
  }
});
