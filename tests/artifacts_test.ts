/**
 * Artifacts on an MLflow server (the fake, over loopback HTTP): files, folders,
 * text and dicts land where MLflow puts them, list one level, download back;
 * bad input fails before any request; ends and flushes wait for uploads and
 * report the failures nobody awaited; the run's artifact URI decides where the
 * bytes go.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { DeliveryError, TrackingError, ValidationError } from "../mod.ts";
import { setup } from "./helpers.ts";
import { test } from "./harness.ts";

function scratch(): { dir: string } & Disposable {
  const dir = mkdtempSync(join(tmpdir(), "artifacts-"));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Bytes that differ at every position mod 251, so a shifted or truncated copy shows. */
function pattern(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = i % 251;
  return out;
}

const artifactRequests = (routes: (string | undefined)[]) =>
  routes.filter((r) => r?.startsWith("artifacts:") || r?.startsWith("mpu:")).length;

test("files, folders, text and dicts land in the run's artifacts; list and download read them back", async () => {
  using tmp = scratch();
  await using t = await setup();
  mkdirSync(join(tmp.dir, "src/sub"), { recursive: true });
  writeFileSync(join(tmp.dir, "src/weights.bin"), pattern(300_000));
  writeFileSync(join(tmp.dir, "src/sub/notes.txt"), "ünïcode ✓");
  writeFileSync(join(tmp.dir, "config.json"), '{"lr":0.1}');
  const run = await t.client.startRun({ runName: "arts" });
  await run.logArtifact(join(tmp.dir, "config.json"));
  await run.logArtifacts(join(tmp.dir, "src"), "model");
  await run.logText("# Summary\n", "reports/summary.md");
  await run.logDict({ classes: ["cat", "dog"], epochs: 3 }, "reports/meta.json");

  // Where MLflow's server keeps them: below the run's artifact root.
  const files = t.server.store().artifacts;
  const root = `0/${run.runId}/artifacts`;
  assert.deepEqual(await files.bytes(`${root}/model/weights.bin`), pattern(300_000));
  assert.equal(
    new TextDecoder().decode(await files.bytes(`${root}/model/sub/notes.txt`)),
    "ünïcode ✓",
  );

  assert.deepEqual(await t.client.listArtifacts(run.runId), [
    { path: "config.json", isDir: false, fileSize: 10 },
    { path: "model", isDir: true },
    { path: "reports", isDir: true },
  ]);
  assert.deepEqual(await t.client.listArtifacts(run.runId, "model"), [
    { path: "model/sub", isDir: true },
    { path: "model/weights.bin", isDir: false, fileSize: 300_000 },
  ]);
  assert.deepEqual(
    await t.client.listArtifacts(run.runId, "config.json"),
    [],
    "a file lists nothing",
  );
  assert.deepEqual(await t.client.listArtifacts(run.runId, "nothing/here"), []);

  const out = join(tmp.dir, "out");
  const folder = await t.client.downloadArtifacts(run.runId, "model", out);
  assert.equal(folder, join(out, "model"));
  assert.deepEqual(new Uint8Array(readFileSync(join(folder, "weights.bin"))), pattern(300_000));
  assert.equal(readFileSync(join(folder, "sub/notes.txt"), "utf8"), "ünïcode ✓");
  const file = await t.client.downloadArtifacts(run.runId, "reports/meta.json", out);
  assert.equal(file, join(out, "reports/meta.json"));
  assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), { classes: ["cat", "dog"], epochs: 3 });
  const everything = await t.client.downloadArtifacts(run.runId, "", join(tmp.dir, "all"));
  assert.equal(readFileSync(join(everything, "reports/summary.md"), "utf8"), "# Summary\n");
  await assert.rejects(
    t.client.downloadArtifacts(run.runId, "no/such.file", out),
    (e: unknown) => e instanceof TrackingError && e.status === 404,
  );
  await run.end();
});

test("logDict writes YAML for .yaml and .yml names, as MLflow's log_dict, and JSON otherwise", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  const value = { model: { layers: [64, 32], act: "relu" }, note: "a: b" };
  await run.logDict(value, "cfg.yaml");
  await run.logDict(value, "cfg.yml");
  await run.logDict(value, "cfg.json");
  await run.logDict([1, 2], "list"); // no extension: JSON
  const text = async (p: string) =>
    new TextDecoder().decode(
      await t.server.store().artifacts.bytes(`0/${run.runId}/artifacts/${p}`),
    );
  const yaml = await text("cfg.yaml");
  assert.equal(yaml, "model:\n  layers:\n    - 64\n    - 32\n  act: relu\nnote: 'a: b'\n");
  assert.equal(await text("cfg.yml"), yaml);
  assert.deepEqual(JSON.parse(await text("cfg.json")), value);
  assert.deepEqual(JSON.parse(await text("list")), [1, 2]);
  await run.end();
});

test("bad artifact input is a ValidationError naming it, before any request", async () => {
  using tmp = scratch();
  await using t = await setup();
  writeFileSync(join(tmp.dir, "f.txt"), "x");
  const run = await t.client.startRun();
  const before = t.server.requests.length;
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ["absolute", () => run.logArtifact(join(tmp.dir, "f.txt"), "/etc"), /absolute/],
    ["windows absolute", () => run.logText("x", "C:\\x.txt"), /absolute/],
    ["dot-dot", () => run.logArtifact(join(tmp.dir, "f.txt"), "a/../../b"), /'\.\.'/],
    ["dot-dot file", () => run.logText("x", "../escape.txt"), /'\.\.'/],
    ["NUL", () => run.logDict({}, "a\0b.json"), /NUL/],
    ["missing file", () => run.logArtifact(join(tmp.dir, "nope.bin")), /no file at/],
    ["folder to logArtifact", () => run.logArtifact(tmp.dir), /is a folder; use logArtifacts/],
    ["file to logArtifacts", () => run.logArtifacts(join(tmp.dir, "f.txt")), /is a file/],
    ["missing folder", () => run.logArtifacts(join(tmp.dir, "nope")), /no folder at/],
    ["empty file name", () => run.logText("x", ""), /must name a file/],
    ["not text", () => run.logText(42 as unknown as string, "a.txt"), /takes a string/],
    ["no JSON", () => run.logDict(() => 1, "f.json"), /a value JSON can hold/],
    ["BigInt", () => run.logDict({ n: 1n }, "f.json"), /BigInt/],
    ["list path", () => t.client.listArtifacts(run.runId, "../x"), /'\.\.'/],
    ["download dst", () => t.client.downloadArtifacts(run.runId, "a", ""), /local folder/],
    ["dataset name", () => run.logInput({ name: "" }), /needs a name/],
  ];
  for (const [what, call, message] of cases) {
    await assert.rejects(call(), (e: unknown) => {
      assert.ok(e instanceof ValidationError, `${what}: ${e}`);
      assert.match(e.message, message, what);
      return true;
    }, what);
  }
  assert.equal(t.server.requests.length, before, "nothing was sent");
  await run.end();
  await assert.rejects(run.logText("late", "a.txt"), ValidationError, "an ended run takes nothing");
});

test("ending a run waits for uploads nobody awaited; the end comes after the bytes", async () => {
  using tmp = scratch();
  await using t = await setup();
  writeFileSync(join(tmp.dir, "big.bin"), pattern(8 << 20));
  const run = await t.client.startRun();
  t.server.faults.latency(50);
  void run.logArtifact(join(tmp.dir, "big.bin"), "weights");
  void run.logText("done", "status.txt");
  await run.end();
  const routes = t.server.requests.map((r) => r.route);
  const lastPut = routes.lastIndexOf("artifacts:put");
  const update = routes.lastIndexOf("runs/update");
  assert.ok(lastPut >= 0 && update > lastPut, routes.join(","));
  assert.equal(t.server.count("artifacts:put"), 2);
  const root = `0/${run.runId}/artifacts`;
  assert.equal(
    (await t.server.store().artifacts.bytes(`${root}/weights/big.bin`))?.length,
    8 << 20,
  );
  assert.equal(t.server.store().runs.get(run.runId)!.info.status, "FINISHED");
});

test("an upload failure nobody awaited rejects the run's end; an awaited one goes to its caller only", async () => {
  await using t = await setup();
  // Awaited: the caller hears of it, the end does not repeat it.
  const first = await t.client.startRun();
  t.server.faults.failNext(1, 403, { route: "artifacts:put" });
  await assert.rejects(first.logText("x", "a.txt"), (e: unknown) => {
    assert.ok(e instanceof TrackingError && e.status === 403, String(e));
    return true;
  });
  await first.end();
  assert.equal(t.errors.length, 0);

  // Not awaited: onError hears of it and the end rejects with it; nothing is silently lost.
  const second = await t.client.startRun();
  t.server.faults.failNext(1, 403, { route: "artifacts:put" });
  void second.logText("x", "b.txt");
  await assert.rejects(second.end(), (e: unknown) => {
    assert.ok(e instanceof DeliveryError, String(e));
    assert.match(e.message, /403/);
    return true;
  });
  assert.equal(t.errors.length, 1);
  assert.equal(t.server.store().runs.get(second.runId)!.info.status, "FINISHED", "still ended");
});

test("flush() waits for uploads under way and reports a failure nobody awaited", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  t.server.faults.latency(30);
  void run.logText("one", "1.txt");
  await t.client.flush();
  assert.ok(await t.server.store().artifacts.bytes(`0/${run.runId}/artifacts/1.txt`));
  t.server.faults.latency(0);
  t.server.faults.failNext(1, 400, { route: "artifacts:put" });
  void run.logText("two", "2.txt");
  await assert.rejects(t.client.flush(), DeliveryError);
  await t.client.flush(); // reported once
  await run.end();
});

test("the client's logArtifact, logText and logDict go to the active run, or start one as MLflow does", async () => {
  using tmp = scratch();
  await using t = await setup();
  await t.client.logText("x", "a.txt");
  const started = t.client.activeRun()!;
  assert.ok(t.notices.some((n) => n.includes(`logging started run`)), t.notices.join("\n"));
  assert.deepEqual((await t.client.listArtifacts(started.runId)).map((e) => e.path), ["a.txt"]);
  await t.client.endRun();
  writeFileSync(join(tmp.dir, "a.csv"), "a,b\n1,2\n");
  await t.client.withRun({ runName: "scoped" }, async (run) => {
    await t.client.logArtifact(join(tmp.dir, "a.csv"), "data");
    await t.client.logArtifacts(tmp.dir, "all");
    await t.client.logText("t", "t.txt");
    await t.client.logDict({ a: 1 }, "d.json");
    const paths = (await t.client.listArtifacts(run.runId)).map((e) => e.path);
    assert.deepEqual(paths, ["all", "d.json", "data", "t.txt"]);
  });
});

test("a file: artifact URI on this machine is written directly; another scheme names the fix", async () => {
  using tmp = scratch();
  await using t = await setup();
  const store = t.server.store();
  store.artifactUri = (e, r) => pathToFileURL(join(tmp.dir, "mlartifacts", e, r, "artifacts")).href;
  const run = await t.client.startRun();
  await run.logDict({ ok: true }, "out/result.json");
  const onDisk = join(tmp.dir, "mlartifacts/0", run.runId, "artifacts/out/result.json");
  assert.deepEqual(JSON.parse(readFileSync(onDisk, "utf8")), { ok: true });
  assert.deepEqual(await t.client.listArtifacts(run.runId, "out"), [
    {
      path: "out/result.json",
      isDir: false,
      fileSize: JSON.stringify({ ok: true }, null, 2).length,
    },
  ]);
  assert.equal(t.server.count("artifacts:put"), 0, "no request: a local folder");
  await run.end();

  store.artifactUri = (e, r) => `s3://bucket/mlruns/${e}/${r}/artifacts`;
  const s3 = await t.client.startRun();
  await assert.rejects(s3.logText("x", "a.txt"), (e: unknown) => {
    assert.ok(e instanceof TrackingError, String(e));
    assert.equal(e.code, "UNSUPPORTED_ARTIFACT_URI");
    assert.match(e.message, /s3: storage/);
    assert.match(e.message, /--serve-artifacts/);
    return true;
  });
  await s3.end();
});

test("a 48 MiB file streams up and down intact over loopback", async () => {
  using tmp = scratch();
  await using t = await setup();
  const size = 48 << 20;
  const bytes = pattern(size);
  writeFileSync(join(tmp.dir, "large.bin"), bytes);
  const run = await t.client.startRun();
  await run.logArtifact(join(tmp.dir, "large.bin"));
  const got = await t.client.downloadArtifacts(run.runId, "large.bin", join(tmp.dir, "dl"));
  const back = readFileSync(got);
  assert.equal(back.length, size);
  assert.ok(Buffer.from(bytes).equals(back), "same bytes");
  await run.end();
});

test("logInput records datasets (name, digest, source, schema, context); getRun reads them back", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  await run.logInput({
    name: "mnist",
    source: "s3://data/mnist",
    sourceType: "s3",
    schema: { features: [{ name: "pixels", type: "tensor" }] },
    context: "training",
  });
  await run.logInput([{ name: "mnist-test", digest: "abc123", context: "eval" }]);
  await run.logInput({ name: "mnist-test", digest: "abc123", context: "eval" }); // once
  const record = await t.client.getRun(run.runId);
  assert.equal(record.inputs?.length, 2);
  const [train, evalSet] = record.inputs!;
  assert.equal(train.name, "mnist");
  assert.equal(train.source, "s3://data/mnist");
  assert.equal(train.sourceType, "s3");
  assert.equal(train.context, "training");
  assert.match(train.digest!, /^[0-9a-f]{8}$/, "a digest is made when none is given");
  assert.deepEqual(JSON.parse(train.schema as string), {
    features: [{ name: "pixels", type: "tensor" }],
  });
  assert.deepEqual({ name: evalSet.name, digest: evalSet.digest, context: evalSet.context }, {
    name: "mnist-test",
    digest: "abc123",
    context: "eval",
  });
  const logged = t.server.requests.filter((r) => r.route === "runs/log-inputs");
  assert.equal(artifactRequests(logged.map((r) => r.route)), 0);
  assert.equal(logged.length, 3);
  await run.end();
});

test("uploads of a run go in call order: a file logged twice without waiting ends as its last version", async () => {
  await using t = await setup();
  const run = await t.client.startRun();
  // The first upload is slow (a big body over a slow server); the second must still land last.
  t.server.faults.latency(40);
  const big = "x".repeat(4 << 20);
  void run.logText(big, "status.txt");
  void run.logText("final", "status.txt");
  await run.end();
  const bytes = await t.server.store().artifacts.bytes(`0/${run.runId}/artifacts/status.txt`);
  assert.equal(new TextDecoder().decode(bytes), "final");
});
