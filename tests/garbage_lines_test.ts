/** A metric file with lines that do not parse: skipped everywhere, each named once. */
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TrackingClient } from "../mod.ts";
import { cli } from "./cli_capture.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { test } from "./harness.ts";

async function storeWithGarbage() {
  const dir = mkdtempSync(join(tmpdir(), "garbage-"));
  const notices: string[] = [];
  const client = new TrackingClient({
    offline: true,
    storagePath: dir,
    onNotice: (m) => notices.push(m),
  });
  const run = await client.startRun({ runName: "hand-edited" });
  for (let step = 0; step < 3; step++) run.logMetric("loss", 1 / (step + 1), { step });
  await client.flush();
  const path = join(dir, "0", run.runId, "metrics", "loss");
  appendFileSync(path, "1700000000000 abc 3\nnot a metric line\n1700000000001 0.2 4\n17000");
  return {
    dir,
    client,
    run,
    path,
    notices,
    [Symbol.dispose]: () => rmSync(dir, { recursive: true }),
  };
}

test("garbage metric lines are skipped, never NaN points, with one notice per line", async () => {
  using s = await storeWithGarbage();
  const history = await s.client.getMetricHistory(s.run.runId, "loss");
  assert.deepEqual(history.map((p) => p.step), [0, 1, 2, 4]);
  assert.ok(history.every((p) => Number.isFinite(p.value)));
  assert.equal((await s.client.getRun(s.run.runId)).data.metrics.loss, 0.2);
  await s.client.getMetricHistory(s.run.runId, "loss"); // read again: told once already
  const told = s.notices.filter((n) => n.includes(s.path));
  assert.equal(told.length, 2, told.join("\n"));
  assert.match(
    told[0],
    /line 4: "1700000000000 abc 3" is not '<timestamp> <value> <step>'; skipped/,
  );
  assert.match(told[1], /line 5: "not a metric line"/);
  assert.ok(!told.some((n) => n.includes('17000"')), "a torn last line is silent");
  await s.client.close();
});

test("sync uploads the lines that parse and names the ones it skips", async () => {
  using s = await storeWithGarbage();
  const server = new FakeMlflowServer();
  const report = await s.client.sync({ to: { apiHost: "http://fake", fetch: server.fetch } });
  assert.equal(report.metrics, 4, "the four good points, not six");
  const [remote] = server.store().runs.values();
  assert.deepEqual(remote.history.get("loss")!.map((p) => p.step), [0, 1, 2, 4]);
  assert.ok(s.notices.some((n) => n.includes(s.path) && n.includes("not a metric line")));
  await s.client.close();
});

test("cli show prints no NaN for garbage lines and names them on stderr", async () => {
  using s = await storeWithGarbage();
  await s.client.close();
  const { code, out, err } = await cli(["show", s.run.runId, "--store", s.dir]);
  assert.equal(code, 0);
  assert.match(out, /loss .* 4 points/);
  assert.doesNotMatch(out, /NaN/);
  assert.ok(err.includes("not a metric line"), err);
});
