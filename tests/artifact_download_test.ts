/**
 * downloadArtifacts does not trust the server's listing: every listed path
 * passes the rule given artifact paths pass, and nothing is written outside
 * the destination, checked on the real path (through links already in it).
 * The lying server is a fake MLflow server behind a front that rewrites the
 * artifact listing and serves any file asked for. loadModel downloads a model
 * folder under the same rule.
 */
import assert from "node:assert/strict";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { TrackingClient, ValidationError } from "../mod.ts";
import { FakeMlflowServer, type FileInfoJson } from "../src/testing/mod.ts";
import { test } from "./harness.ts";

/** Every file below `dir`, relative to it. */
function filesIn(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(dir, join(d, e.name)));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * A server that lists `listing[folder]` for each folder of the run's artifacts (the root is
 * `""`), answers "pwned" for any file, and passes everything else to a real fake server.
 */
async function lyingServer(
  listing: Record<string, FileInfoJson[]>,
  contents: Record<string, string> = {},
) {
  const fake = new FakeMlflowServer();
  const fetch = (input: Request | URL | string, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const at = url.pathname.indexOf("/mlflow-artifacts/artifacts");
    if (at >= 0 && request.method === "GET") {
      if (url.pathname.endsWith("/mlflow-artifacts/artifacts")) {
        const full = url.searchParams.get("path") ?? "";
        const folder = full.replace(/^\d+\/[0-9a-f]{32}\/artifacts\/?/, "");
        const files = listing[folder] ?? [];
        return Promise.resolve(Response.json(files.length === 0 ? {} : { files }));
      }
      const name = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
      return Promise.resolve(new Response(contents[name] ?? "pwned"));
    }
    return fake.fetch(request);
  };
  const client = new TrackingClient({ apiHost: "http://fake", fetch, onNotice: () => {} });
  const run = await client.startRun();
  await run.end();
  return { client, runId: run.runId };
}

function scratch(): { dir: string; dst: string } & Disposable {
  const dir = mkdtempSync(join(tmpdir(), "download-"));
  const dst = join(dir, "a", "b", "dst");
  return { dir, dst, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

const file = (path: string): FileInfoJson => ({ path, is_dir: false, file_size: 5 });

for (
  const [name, listing, bad] of [
    ["../../pwned.txt", { "": [file("../../pwned.txt")] }, "../../pwned.txt"],
    ["sub/../../../../x", { "": [file("sub/../../../../x")] }, "sub/../../../../x"],
    ["/abs/x.txt", { "": [file("/abs/x.txt")] }, "/abs/x.txt"],
    ["/abs/x.txt in a folder", {
      "": [{ path: "sub", is_dir: true }],
      sub: [file("/abs/x.txt")],
    }, "sub//abs/x.txt"],
    ["a\\..\\..\\x", { "": [file("a\\..\\..\\x")] }, "a\\..\\..\\x"],
    ["#tmp.hidden", { "": [file("#tmp.hidden")] }, "#tmp.hidden"],
  ] as [string, Record<string, FileInfoJson[]>, string][]
) {
  test(`a server listing '${name}' gets a typed error naming it, and nothing is written`, async () => {
    using tmp = scratch();
    const { client, runId } = await lyingServer({
      ...listing,
      "": [file("fine.txt"), ...listing[""]], // a good entry first: not written either
    });
    const err = await client.downloadArtifacts(runId, "", tmp.dst).catch((e) => e);
    assert.ok(err instanceof ValidationError, String(err));
    assert.equal(err.code, "UNSAFE_ARTIFACT_PATH");
    assert.ok(err.message.includes(bad), err.message);
    assert.match(err.message, /nothing was downloaded/);
    assert.deepEqual(filesIn(tmp.dir), [], "no file anywhere, inside dst or out");
    await client.close();
  });
}

test("a link already inside dst cannot lead a download out of it", async () => {
  using tmp = scratch();
  const outside = join(tmp.dir, "outside");
  mkdirSync(outside);
  mkdirSync(tmp.dst, { recursive: true });
  symlinkSync(outside, join(tmp.dst, "sub"));
  writeFileSync(join(outside, "target.txt"), "mine");
  symlinkSync(join(outside, "target.txt"), join(tmp.dst, "file.txt"));
  symlinkSync(join(tmp.dir, "nowhere"), join(tmp.dst, "dangling.txt"));
  for (const listed of ["sub/x.txt", "file.txt", "dangling.txt"]) {
    const dir = listed.includes("/") ? listed.split("/")[0] : undefined;
    const { client, runId } = await lyingServer(
      dir === undefined
        ? { "": [file(listed)] }
        : { "": [{ path: dir, is_dir: true }], [dir]: [file(listed)] },
    );
    const err = await client.downloadArtifacts(runId, "", tmp.dst).catch((e) => e);
    assert.ok(err instanceof ValidationError, `${listed}: ${err}`);
    assert.equal(err.code, "UNSAFE_ARTIFACT_PATH");
    assert.ok(err.message.includes(listed), err.message);
    await client.close();
  }
  assert.deepEqual(filesIn(outside), ["target.txt"], "nothing written through a link");
  assert.equal(readFileSync(join(outside, "target.txt"), "utf8"), "mine");
  assert.deepEqual(readdirSync(tmp.dir).sort(), ["a", "outside"], "the dangling link made nothing");
});

test("a link inside dst that stays inside it is followed, as any folder", async () => {
  using tmp = scratch();
  mkdirSync(join(tmp.dst, "real"), { recursive: true });
  symlinkSync(join(tmp.dst, "real"), join(tmp.dst, "sub"));
  const { client, runId } = await lyingServer({
    "": [{ path: "sub", is_dir: true }],
    sub: [file("x.txt")],
  });
  await client.downloadArtifacts(runId, "", tmp.dst);
  assert.deepEqual(filesIn(join(tmp.dst, "real")), ["x.txt"]);
  await client.close();
});

const MLMODEL = "flavors:\n  onnx:\n    data: model.onnx\n";

test("loadModel of a listing holding '..' gets a typed error naming it, and nothing is written", async () => {
  using tmp = scratch();
  const { client, runId } = await lyingServer({
    model: [file("MLmodel"), file("../../../pwned.txt")],
  }, { MLmodel: MLMODEL });
  const err = await client.loadModel(`runs:/${runId}/model`, { dstPath: tmp.dst })
    .catch((e) => e);
  assert.ok(err instanceof ValidationError, String(err));
  assert.equal(err.code, "UNSAFE_ARTIFACT_PATH");
  assert.ok(err.message.includes("model/../../../pwned.txt"), err.message);
  assert.deepEqual(filesIn(tmp.dir), [], "no file anywhere, inside dst or out");
  await client.close();
});

test("loadModel's dataPath stays inside the model's folder whatever MLmodel names", async () => {
  using tmp = scratch();
  const { client, runId } = await lyingServer({ model: [file("MLmodel")] }, {
    MLmodel: "flavors:\n  onnx:\n    data: ../../../../etc/passwd\n",
  });
  const err = await client.loadModel(`runs:/${runId}/model`, { dstPath: tmp.dst })
    .catch((e) => e);
  assert.ok(err instanceof ValidationError, String(err));
  assert.equal(err.code, "UNSAFE_ARTIFACT_PATH");
  assert.match(err.message, /\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd/);
  const good = await lyingServer({ model: [file("MLmodel"), file("model.onnx")] }, {
    MLmodel: MLMODEL,
  });
  const model = await good.client.loadModel(`runs:/${good.runId}/model`, { dstPath: tmp.dst });
  assert.equal(model.dataPath, join(tmp.dst, "model.onnx"));
  assert.equal(readFileSync(model.dataPath!, "utf8"), "pwned");
  await client.close();
  await good.client.close();
});
