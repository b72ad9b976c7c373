/** The CLI refuses what it does not understand: an unknown command or flag is named, with the usage. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TrackingClient } from "../mod.ts";
import { cli } from "./cli_capture.ts";
import { test } from "./harness.ts";

async function store(): Promise<{ dir: string; runId: string } & Disposable> {
  const dir = mkdtempSync(join(tmpdir(), "cli-args-"));
  const client = new TrackingClient({ offline: true, storagePath: dir });
  const run = await client.startRun({ runName: "r" });
  run.logMetric("loss", 0.5);
  await run.end();
  await client.close();
  return { dir, runId: run.runId, [Symbol.dispose]: () => rmSync(dir, { recursive: true }) };
}

test("an unknown flag is an error naming it, with the usage, exit 2 (it was ignored before)", async () => {
  using s = await store();
  for (
    const [args, flag] of [
      [["runs", "--store", s.dir, "--html", "x.html"], "--html"],
      [["show", s.runId, "--store", s.dir, "--bogus"], "--bogus"],
      [["artifacts", s.runId, "--store", s.dir, "--sort", "x"], "--sort"],
      [["sync", s.dir, "--to", "http://127.0.0.1:9", "--colums", "x"], "--colums"],
      [["runs", "-x", "--store", s.dir], "-x"],
    ] as const
  ) {
    const { code, out, err } = await cli([...args]);
    assert.equal(code, 2, `${args.join(" ")}: ${err}`);
    assert.equal(out, "", "nothing ran");
    assert.match(err, new RegExp(`unknown flag ${flag} for ${args[0]}`));
    assert.match(err, /usage: oicm-tracking/);
  }
});

test("an unknown command, a missing argument and one too many are errors with the usage, exit 2", async () => {
  using s = await store();
  const unknown = await cli(["frobnicate", "--store", s.dir]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown command "frobnicate"/);
  assert.match(unknown.err, /runs \[--store DIR/);
  const none = await cli([]);
  assert.equal(none.code, 2);
  assert.match(none.err, /no command given/);
  const missing = await cli(["show", "--store", s.dir]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /show needs RUN_ID/);
  const extra = await cli(["runs", "extra", "--store", s.dir]);
  assert.equal(extra.code, 2);
  assert.match(extra.err, /unexpected argument "extra" for runs/);
  const noValue = await cli(["runs", "--store"]);
  assert.equal(noValue.code, 2);
  assert.match(noValue.err, /--store needs a value/);
  const switchValue = await cli(["sync", s.dir, "--to", "http://x", "--force=yes"]);
  assert.equal(switchValue.code, 2);
  assert.match(switchValue.err, /--force takes no value/);
});

test("--help prints the usage and exits 0; known flags in both forms still work", async () => {
  const help = await cli(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out, /usage: oicm-tracking/);
  for (const c of ["runs", "show", "artifacts", "sync"]) {
    assert.match(help.out, new RegExp(`^  ${c}`, "m"));
  }
  using s = await store();
  const eq = await cli(["runs", `--store=${s.dir}`]);
  assert.equal(eq.code, 0, eq.err);
  assert.match(eq.out, /Default \(1 run\)/);
  const dashed = await cli(["show", "--store", s.dir, "--", s.runId]);
  assert.equal(dashed.code, 0, dashed.err);
  assert.match(dashed.out, /run r /);
});

test("a flag given twice is an error naming it, exit 2 (the second silently won)", async () => {
  using s = await store();
  for (
    const args of [
      ["runs", "--store", s.dir, "--store", "/tmp"],
      ["runs", "--store", s.dir, "--sort", "metrics.loss", "--sort=params.lr"],
      ["runs", "--store", s.dir, "--desc", "--desc"],
    ]
  ) {
    const { code, out, err } = await cli(args);
    assert.equal(code, 2, args.join(" "));
    assert.equal(out, "");
    assert.match(err, /error: --(store|sort|desc) is given twice/);
    assert.match(err, /usage: oicm-tracking/);
  }
});
