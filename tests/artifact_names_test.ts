/**
 * One naming rule for every artifact name, whatever its source: names found by
 * walking a folder pass the rule given names pass, a name the store keeps for
 * its own temporary files (`#tmp.`) is refused loudly rather than copied and
 * hidden, and symbolic links inside a logged folder are skipped with one notice.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TrackingClient, ValidationError } from "../mod.ts";
import { setup } from "./helpers.ts";
import { test } from "./harness.ts";

function scratch(): { dir: string } & Disposable {
  const dir = mkdtempSync(join(tmpdir(), "artifact-names-"));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A folder holding `name` beside an ordinary file. */
function folderWith(dir: string, name: string): string {
  const folder = join(dir, `with-${name.replace(/[^\w]/g, "_")}`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, "results.csv"), "a,b\n");
  writeFileSync(join(folder, name), "x");
  return folder;
}

/** Every file below `dir`, `/`-joined. */
function filesIn(dir: string, prefix = ""): string[] {
  let out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    out = e.isDirectory() ? [...out, ...filesIn(join(dir, e.name), rel)] : [...out, rel];
  }
  return out.sort();
}

for (const name of ["#tmp.results.csv", "a\\..\\..\\x.txt"]) {
  test(`logArtifacts refuses a folder holding '${name}', naming it, and sends nothing`, async () => {
    using tmp = scratch();
    const folder = folderWith(tmp.dir, name);
    await using t = await setup();
    const run = await t.client.startRun();
    const err = await run.logArtifacts(folder).catch((e) => e);
    assert.ok(err instanceof ValidationError, String(err));
    assert.ok(err.message.includes(name), err.message);
    await run.end();
    assert.equal(t.server.count("artifacts:put"), 0, "not even the good file: the call is refused");
  });

  test(`offline, logArtifacts refuses '${name}' and the store holds nothing hidden`, async () => {
    using tmp = scratch();
    const folder = folderWith(tmp.dir, name);
    const client = new TrackingClient({
      offline: true,
      storagePath: join(tmp.dir, "mlruns"),
      onNotice: () => {},
    });
    const run = await client.startRun();
    const err = await run.logArtifacts(folder).catch((e) => e);
    assert.ok(err instanceof ValidationError, String(err));
    assert.ok(err.message.includes(name), err.message);
    await run.end();
    const artifacts = join(tmp.dir, "mlruns", run.info.experimentId, run.runId, "artifacts");
    assert.deepEqual(filesIn(artifacts), []);
    assert.deepEqual(await client.listArtifacts(run.runId), []);
    await client.close();
  });
}

test("logArtifact refuses a file named '#tmp.results.csv' too (one rule for every name)", async () => {
  using tmp = scratch();
  const file = join(tmp.dir, "#tmp.results.csv");
  writeFileSync(file, "a,b\n");
  await using t = await setup();
  const run = await t.client.startRun();
  const err = await run.logArtifact(file).catch((e) => e);
  assert.ok(err instanceof ValidationError, String(err));
  assert.match(err.message, /#tmp\.results\.csv/);
  await run.end();
  assert.equal(t.server.count("artifacts:put"), 0);
});

test("symbolic links inside a logged folder are skipped with one notice naming them", async () => {
  using tmp = scratch();
  const outside = join(tmp.dir, "outside");
  mkdirSync(join(outside, "deep"), { recursive: true });
  writeFileSync(join(outside, "secret.txt"), "not for the server");
  writeFileSync(join(outside, "deep", "more.txt"), "nor this");
  const folder = join(tmp.dir, "model");
  mkdirSync(join(folder, "sub"), { recursive: true });
  writeFileSync(join(folder, "weights.bin"), "w");
  writeFileSync(join(folder, "sub", "config.json"), "{}");
  symlinkSync(join(outside, "secret.txt"), join(folder, "linked.txt"));
  symlinkSync(join(outside, "deep"), join(folder, "sub", "linked-folder"));
  await using t = await setup();
  const run = await t.client.startRun();
  await run.logArtifacts(folder, "model");
  await run.end();
  const listed = (await t.client.listArtifacts(run.runId, "model")).map((e) => e.path);
  assert.deepEqual(listed, ["model/sub", "model/weights.bin"]);
  assert.deepEqual(
    (await t.client.listArtifacts(run.runId, "model/sub")).map((e) => e.path),
    ["model/sub/config.json"],
  );
  const told = t.notices.filter((n) => n.includes("symbolic link"));
  assert.equal(told.length, 1, t.notices.join("\n"));
  assert.match(told[0], /skipped 2 entries/);
  assert.ok(told[0].includes('"linked.txt"') && told[0].includes('"sub/linked-folder"'), told[0]);
});
