/**
 * The viewer over HTTP (a real server on loopback): values escaped, ids and
 * artifact paths checked, artifacts served so they cannot run script, pages
 * under a CSP, read-only, loopback names only, and no key in any answer.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import process from "node:process";
import { TrackingClient } from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { serveViewer } from "../src/viewer/mod.ts";
import { test } from "./harness.ts";
import { buildHostile, HOSTILE, newStore } from "./viewer_store.ts";

async function withViewer(
  fn: (url: string, ids: { experimentId: string; runId: string }) => Promise<void>,
): Promise<void> {
  const { dir, client } = newStore();
  const ids = await buildHostile(client);
  const reader = new TrackingClient({ offline: true, storagePath: dir, onNotice: () => {} });
  const viewer = await serveViewer(reader, { port: 0 });
  try {
    await fn(viewer.url, ids);
  } finally {
    await viewer.close();
    await client.close();
    await reader.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("viewer pages carry hostile names only as inert text, under a CSP that allows no inline script", async () => {
  await withViewer(async (url, { experimentId, runId }) => {
    for (
      const path of ["", `experiments/${experimentId}`, `runs/${runId}`, `compare?runs=${runId}`]
    ) {
      const res = await fetch(url + path);
      const body = await res.text();
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
      assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'self'/);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      for (const raw of ["<img src=x", "<script>window", "<svg onload", "<b onmouse", "\x1b"]) {
        assert.ok(!body.includes(raw), `${path || "/"} holds ${JSON.stringify(raw)} raw`);
      }
      // The only scripts: the boot data (JSON, not run) and the viewer's own file.
      const scripts = [...body.matchAll(/<script([^>]*)>/g)].map((m) => m[1].trim());
      assert.deepEqual(scripts, ['type="application/json" id="boot"', 'src="/assets/app.js"']);
    }
    const boot = await (await fetch(`${url}runs/${runId}`)).text();
    const json = boot.match(/<script type="application\/json" id="boot">(.*?)<\/script>/s)![1];
    assert.equal(JSON.parse(json).run.info.runName, HOSTILE.run, "the name arrives intact");
  });
});

test("viewer serves HTML and SVG artifacts as text/plain in a sandbox, images as images", async () => {
  await withViewer(async (url, { runId }) => {
    const get = (path: string) =>
      fetch(`${url}artifact?run=${runId}&path=${encodeURIComponent(path)}`);
    for (const name of ["evil.html", "pic.svg", "table.csv"]) {
      const res = await get(name);
      assert.equal(res.status, 200, name);
      assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8", name);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.match(res.headers.get("content-security-policy") ?? "", /sandbox/);
      assert.match(await res.text(), /__pwned/);
    }
    const png = await get("plot.png");
    assert.equal(png.headers.get("content-type"), "image/png");
    assert.equal((await png.arrayBuffer()).byteLength > 60, true);
    const list = await (await fetch(`${url}api/artifacts?run=${runId}`)).json();
    assert.deepEqual(list.map((e: { path: string }) => e.path), [
      "evil.html",
      "pic.svg",
      "plot.png",
      "table.csv",
    ]);
  });
});

test("viewer refuses artifact paths outside the run and ids that are not ids, before reading", async () => {
  await withViewer(async (url, { runId }) => {
    for (const path of ["../meta.yaml", "../../0/meta.yaml", "/etc/passwd", "a/../../x", "..\\x"]) {
      const res = await fetch(`${url}artifact?run=${runId}&path=${encodeURIComponent(path)}`);
      assert.equal(res.status, 400, path);
      assert.doesNotMatch(await res.text(), /artifact_uri|root:/, path);
    }
    for (const id of ["..", "../1", "a b", "x%00y"]) {
      const res = await fetch(`${url}api/artifacts?run=${encodeURIComponent(id)}`);
      assert.equal(res.status, 400, id);
    }
    assert.equal((await fetch(`${url}runs/${encodeURIComponent("../../etc")}`)).status, 400);
    // Offline, an id the store does not make is refused as such; a well-formed unknown one is absent.
    assert.equal((await fetch(`${url}runs/not-a-run`)).status, 400);
    assert.equal((await fetch(`${url}runs/${"0".repeat(32)}`)).status, 404);
  });
});

test("viewer is read-only (GET and HEAD only) and answers loopback host names only", async () => {
  await withViewer(async (url, { runId }) => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const res = await fetch(`${url}runs/${runId}`, { method });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get("allow"), "GET, HEAD");
      await res.body?.cancel();
    }
    assert.equal((await fetch(url, { method: "HEAD" })).status, 200);
    const port = new URL(url).port;
    const { request } = await import("node:http");
    const status = await new Promise<number>((resolve, reject) => {
      request(
        { host: "127.0.0.1", port, path: "/", headers: { host: `evil.example:${port}` } },
        (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        },
      ).on("error", reject).end();
    });
    assert.equal(status, 403, "a rebound DNS name is refused");
  });
});

test("viewer over a server shows its runs and never the API key, in any page or answer", async () => {
  const key = "sk-viewer-secret-0123456789";
  const fake = new FakeMlflowServer();
  const client = new TrackingClient({ apiHost: "http://fake", apiKey: key, fetch: fake.fetch });
  await client.setExperiment("remote");
  const run = await client.startRun({ runName: "on-server" });
  run.logParam("lr", 0.1);
  run.logMetric("loss", 0.5, { step: 1 });
  await run.end();
  const viewer = await serveViewer(client, { port: 0, source: "http://fake" });
  try {
    const home = await (await fetch(viewer.url)).text();
    assert.match(home, /remote/);
    const pages = [
      home,
      await (await fetch(`${viewer.url}runs/${run.runId}`)).text(),
      await (await fetch(`${viewer.url}api/series?run=${run.runId}&key=loss`)).text(),
      await (await fetch(`${viewer.url}api/poll?runs=${run.runId}`)).text(),
    ];
    assert.match(pages[1], /on-server/);
    for (const page of pages) assert.ok(!page.includes(key), "the key is in an answer");
  } finally {
    await viewer.close();
    await client.close();
  }
});

test("viewer's series endpoint sends a long metric reduced, and a zoomed step range in full detail", async () => {
  const { dir, client } = newStore();
  const run = await client.startRun({ runName: "long" });
  for (let step = 0; step < 100_000; step++) run.logMetric("loss", Math.sin(step / 100), { step });
  await run.end();
  const viewer = await serveViewer(client, { port: 0 });
  try {
    const get = async (query: string) =>
      await (await fetch(`${viewer.url}api/series?run=${run.runId}&key=loss&${query}`)).json();
    const whole = await get("width=200");
    assert.equal(whole.total, 100_000);
    assert.ok(whole.step.length <= 800, `${whole.step.length} points for 200 columns`);
    let max = -Infinity;
    for (let step = 0; step < 100_000; step++) max = Math.max(max, Math.sin(step / 100));
    assert.equal(Math.max(...whole.value), max, "the highest point is among those sent");
    const zoom = await get("width=200&from=5000&to=5100");
    assert.equal(zoom.step.length, 103, "every point of the range, and one either side");
    assert.equal((await fetch(`${viewer.url}api/series?run=${run.runId}&key=nope`)).status, 404);
  } finally {
    await viewer.close();
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("viewer's series endpoint answers 404 for `constructor` and `__proto__`, which are no metric of the run (it read their history)", async () => {
  await withViewer(async (url, ids) => {
    for (const key of ["constructor", "__proto__", "toString"]) {
      const res = await fetch(`${url}api/series?run=${ids.runId}&key=${key}`);
      assert.equal(res.status, 404, key);
      await res.body?.cancel();
    }
    const loss = await fetch(`${url}api/series?run=${ids.runId}&key=loss`);
    assert.equal((await loss.json()).total, 20);
  });
});

test("viewer's download link serves an artifact over 20 MB whole (it answered 500 'download it instead', and there was no other way)", async () => {
  const { dir, client } = newStore();
  const run = await client.startRun({ runName: "weights" });
  const bytes = new Uint8Array(25 * 1024 * 1024);
  for (let i = 0; i < bytes.length; i += 4096) bytes[i] = i % 251;
  await run.logBytes(bytes, "model/weights.bin");
  await run.end();
  const viewer = await serveViewer(client, { port: 0 });
  try {
    const res = await fetch(`${viewer.url}artifact?run=${run.runId}&path=model/weights.bin`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/octet-stream");
    assert.equal(res.headers.get("content-length"), String(bytes.length));
    const got = new Uint8Array(await res.arrayBuffer());
    assert.equal(got.length, bytes.length);
    assert.ok(got.every((b, i) => b === bytes[i]), "the same bytes");
  } finally {
    await viewer.close();
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

const REAL_MLFLOW = process.env.MLFLOW_SERVER_URL;

test(
  "viewer over a real mlflow server shows its run, params and reduced metric" +
    (REAL_MLFLOW ? "" : " (skipped: MLFLOW_SERVER_URL unset)"),
  async () => {
    if (!REAL_MLFLOW) return;
    const client = new TrackingClient({ apiHost: REAL_MLFLOW, onNotice: () => {} });
    await client.setExperiment(`viewer-${Date.now()}`);
    const run = await client.startRun({ runName: "on-mlflow" });
    run.logParam("lr", 0.01);
    for (let step = 0; step < 50; step++) run.logMetric("loss", 1 / (step + 1), { step });
    await run.end();
    const viewer = await serveViewer(client, { port: 0 });
    try {
      const page = await (await fetch(`${viewer.url}runs/${run.runId}`)).text();
      const boot = JSON.parse(page.match(/id="boot">(.*?)<\/script>/s)![1]);
      assert.equal(boot.run.info.runName, "on-mlflow");
      assert.equal(boot.run.data.params.lr, "0.01");
      assert.equal(boot.series.loss.total, 50);
      assert.equal(boot.series.loss.value[49], 1 / 50);
    } finally {
      await viewer.close();
      await client.close();
    }
  },
);
