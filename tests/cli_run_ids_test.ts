/** `cli show` and `cli artifacts` take a short run id only when it names one run. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TrackingClient } from "../mod.ts";
import { cli } from "./cli_capture.ts";
import { test } from "./harness.ts";

/** A store of 17 runs: two of them at least begin with the same hex digit. */
async function store() {
  const dir = mkdtempSync(join(tmpdir(), "cli-ids-"));
  const client = new TrackingClient({ offline: true, storagePath: dir, onNotice: () => {} });
  const ids: string[] = [];
  for (let i = 0; i < 17; i++) {
    const run = await client.startRun({ runName: `r${i}`, logSystemMetrics: false });
    await run.end();
    ids.push(run.runId);
  }
  await client.close();
  return { dir, ids, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

test("a short id several runs begin with is an error listing them, not the first run found", async () => {
  using s = await store();
  const first = s.ids.map((id) => id[0]).find((c, i, all) => all.indexOf(c) !== i)!;
  const matching = s.ids.filter((id) => id.startsWith(first));
  for (const command of ["show", "artifacts"]) {
    const { code, out, err } = await cli([command, first, "--store", s.dir]);
    assert.equal(code, 1, `${command}: ${out}`);
    assert.equal(out, "", `${command} printed no run`);
    assert.match(err, new RegExp(`run id '${first}' begins ${matching.length} runs`));
    for (const id of matching.slice(0, 5)) assert.ok(err.includes(id), err);
  }
  const unique = s.ids.find((id) =>
    s.ids.filter((o) => o.startsWith(id.slice(0, 8))).length === 1
  )!;
  const { code, out } = await cli(["show", unique.slice(0, 8), "--store", s.dir]);
  assert.equal(code, 0);
  assert.ok(out.includes(unique), out);
});

test("an empty run id is an error, not the first run found", async () => {
  using s = await store();
  for (const command of ["show", "artifacts"]) {
    const { code, out, err } = await cli([command, "", "--store", s.dir]);
    assert.equal(code, 1, `${command}: ${out}`);
    assert.equal(out, "");
    assert.match(err, /a run id is needed/);
  }
});
