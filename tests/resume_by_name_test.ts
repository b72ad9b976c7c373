/** Resume by name: any name round-trips, online and offline; a failed start leaves nothing open. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TrackingClient } from "../mod.ts";
import { setup } from "./helpers.ts";
import { test } from "./harness.ts";

const NAMES = [
  "train and eval",
  "a AND b and c",
  "it's mine",
  'say "hi"',
  `both ' and "`,
  "back\\slash",
  "ends with backslash\\",
  "100% _done_",
  "损失 run",
  "x = 'y' OR 1=1",
];

async function roundTrip(client: TrackingClient, resume?: boolean): Promise<void> {
  await client.setExperiment("names");
  const ids = new Map<string, string>();
  for (const name of NAMES) {
    const run = await client.startRun({ runName: name });
    assert.equal(run.info.runName, name);
    run.logMetric("m", 1);
    ids.set(name, run.runId);
    await run.end();
  }
  // A run whose name differs only in case or wildcards is not a match.
  const other = await client.startRun({ runName: "TRAIN AND EVAL" });
  await other.end();
  for (const name of NAMES) {
    const again = await client.startRun({ runName: name, resume });
    assert.equal(again.runId, ids.get(name), `resumed ${JSON.stringify(name)}`);
    await again.end();
  }
}

test("resume by name: names with AND, quotes, backslashes and wildcards round-trip (server)", async () => {
  await using t = await setup();
  await roundTrip(t.client);
  assert.deepEqual(t.errors, []);
});

test("resume by name, asked for offline: names with AND, quotes, backslashes and wildcards round-trip", async () => {
  const dir = mkdtempSync(join(tmpdir(), "names-"));
  try {
    const client = new TrackingClient({ offline: true, storagePath: dir });
    await roundTrip(client, true);
    await client.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a startRun that fails leaves no open run behind for close() to trip on", async () => {
  await using t = await setup();
  t.server.faults.failNext(1, 400, { route: "runs/create" });
  await assert.rejects(t.client.startRun({ runName: "doomed" }));
  assert.equal(t.client.activeRun(), undefined);
  const ok = await t.client.startRun({ runName: "fine" });
  await ok.end();
  await t.client.close(); // resolves: the failed start was reported once, to its caller
});

test("resuming a run that had ended says so, once", async () => {
  await using t = await setup();
  const first = await t.client.startRun({ runName: "nightly" });
  await first.end();
  const again = await t.client.startRun({ runName: "nightly" });
  assert.equal(again.runId, first.runId);
  const told = t.notices.filter((n) => n.includes("'nightly'"));
  assert.equal(told.length, 1, t.notices.join("\n"));
  assert.match(told[0], /had ended FINISHED; continuing it.*RUNNING again.*resume: false/);
  assert.doesNotMatch(told[0], /follow its steps/, "steps are not shifted; it must not say so");
  await again.end();
  const fresh = await t.client.startRun({ runName: "nightly", resume: false });
  assert.notEqual(fresh.runId, first.runId);
  await fresh.end();
});

test("offline, startRun({ runName }) of a name used before makes a new run (it appended: steps 0,1,2,0,1,2)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "names-"));
  try {
    const ids: string[] = [];
    for (let script = 0; script < 2; script++) { // the same script run twice
      const client = new TrackingClient({ offline: true, storagePath: dir });
      await client.setExperiment("rerun");
      const run = await client.startRun({ runName: "train" });
      for (let step = 0; step < 3; step++) run.logMetric("loss", 1 / (step + 1), { step });
      await run.end();
      ids.push(run.runId);
      await client.close();
    }
    assert.notEqual(ids[0], ids[1]);
    const client = new TrackingClient({ offline: true, storagePath: dir });
    for (const id of ids) {
      const history = await client.getMetricHistory(id, "loss");
      assert.deepEqual(history.map((p) => p.step), [0, 1, 2]);
      assert.equal((await client.getRun(id)).info.runName, "train");
    }
    const resumed = await client.startRun({
      runName: "train",
      resume: true,
      experimentName: "rerun",
    });
    assert.equal(resumed.runId, ids[1], "resume: true still continues the latest of that name");
    await resumed.end();
    await client.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
