/** The CLI prints what it is given as text: no control character reaches the terminal. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TrackingClient } from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { printable } from "../src/cli.ts";
import { cli } from "./cli_capture.ts";
import { test } from "./harness.ts";

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/; // everything but the line breaks we print

test("printable writes control characters (C0, C1, DEL) and bidi marks out as escapes", () => {
  assert.equal(printable("exp\x1b]0;PWNED\x07"), "exp\\x1b]0;PWNED\\x07");
  assert.equal(printable("a\nb\tc\r"), "a\\nb\\tc\\r");
  assert.equal(printable("\x9b2J\x7f\u202eevil"), "\\x9b2J\\x7f\\u202eevil");
  assert.equal(printable("plain ünïcode ✓"), "plain ünïcode ✓");
});

test("runs, show and artifacts escape control characters in names, params, tags and artifact names (printed raw before)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cli-print-"));
  try {
    const client = new TrackingClient({ offline: true, storagePath: dir });
    await client.setExperiment("exp\x1b]0;PWNED\x07");
    const run = await client.startRun({ runName: "run\x1b[2J", tags: { "t": "tag\x1b[31mred" } });
    run.logParam("p", "v\x9b1;1H");
    run.logMetric("loss", 0.5);
    // The store may come to refuse such a name; the listing is escaped whatever it holds.
    const artifactLogged = await run.logText("x", "evil\x1b[2Jname.txt").then(
      () => true,
      () => false,
    );
    await run.end();
    await client.close();
    const outputs = [
      await cli(["runs", "--store", dir]),
      await cli(["show", run.runId, "--store", dir]),
      await cli(["artifacts", run.runId, "--store", dir]),
      await cli(["show", "no\x1b[2Jsuch-run", "--store", dir]),
    ];
    for (const { out, err } of outputs) {
      assert.ok(!CONTROL.test(out), JSON.stringify(out));
      assert.ok(!CONTROL.test(err), JSON.stringify(err));
    }
    assert.match(outputs[0].out, /exp\\x1b\]0;PWNED\\x07 \(1 run\)/);
    assert.match(outputs[1].out, /run run\\x1b\[2J/);
    assert.match(outputs[1].out, /p = v\\x9b1;1H/);
    assert.match(outputs[1].out, /t = tag\\x1b\[31mred/);
    if (artifactLogged) assert.match(outputs[2].out, /evil\\x1b\[2Jname\.txt/);
    assert.match(outputs[3].err, /no\\(x1b|u001b)\[2Jsuch-run/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a server's words in a notice are escaped: runs --from and sync printed a 503's body raw", async () => {
  const server = new FakeMlflowServer();
  const { url } = await server.listen();
  const dir = mkdtempSync(join(tmpdir(), "cli-print-"));
  const warned: string[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => warned.push(a.join(" ")); // the library's default notices
  try {
    const local = new TrackingClient({ offline: true, storagePath: dir, onNotice: () => {} });
    await local.withRun({ runName: "r" }, (run) => run.logParam("a", 1));
    await local.close();
    const outputs = [];
    for (const args of [["sync", dir, "--to", url], ["runs", "--from", url]]) {
      server.faults.failNext(1, 503, { body: "busy \x1b]0;PWNED\x07 now", retryAfter: "0" });
      outputs.push(await cli(args));
    }
    for (const { code, out, err } of outputs) {
      assert.equal(code, 0, err);
      assert.ok(!CONTROL.test(out), JSON.stringify(out));
      assert.ok(!CONTROL.test(err), JSON.stringify(err));
      assert.match(err, /busy \\x1b\]0;PWNED\\x07 now/, "the notice is shown, escaped");
    }
    assert.deepEqual(warned, [], "every notice through the CLI's own, escaped");
  } finally {
    console.warn = warn;
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
