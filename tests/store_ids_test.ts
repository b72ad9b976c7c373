/**
 * Offline, every id that becomes a path is checked against what the store
 * makes (experiment ids of digits, run ids of 32 hex digits) before any file
 * operation: an id such as `../outside_exp` reads, writes and moves nothing.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TrackingClient, ValidationError } from "../mod.ts";
import { main } from "../src/cli.ts";
import { test } from "./harness.ts";

/** A store, and beside it a folder that looks like an experiment with one run. */
async function storeBesideAnother() {
  const dir = mkdtempSync(join(tmpdir(), "store-ids-"));
  const side = new TrackingClient({ offline: true, storagePath: join(dir, "side") });
  await side.setExperiment("not yours");
  const sideRun = await side.startRun({ runName: "outside" });
  await sideRun.logText("secret", "notes.txt");
  await sideRun.end();
  await side.close();
  const client = new TrackingClient({
    offline: true,
    storagePath: join(dir, "store"),
    onNotice: () => {},
  });
  await client.setExperiment("mine");
  const outsideExp = join(dir, "side", sideRun.info.experimentId);
  return {
    dir,
    client,
    outsideExp,
    /** The outside experiment as the store's root sees it. */
    expId: `../side/${sideRun.info.experimentId}`,
    /** The outside run as an experiment folder of the store sees it. */
    runId: `../../side/${sideRun.info.experimentId}/${sideRun.runId}`,
    async [Symbol.asyncDispose]() {
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Asserts a ValidationError naming `id`. */
async function refused(what: string, promise: Promise<unknown>, id: string): Promise<void> {
  const err = await promise.then(() => undefined, (e) => e);
  assert.ok(err instanceof ValidationError, `${what}: ${err}`);
  // Ids with a separator or a dot segment stop at the client's id rule (validateId); the
  // rest at the store's own rule. Either way: typed, named, before any file operation.
  assert.ok(["INVALID_PARAMETER_VALUE", "VALIDATION_ERROR"].includes(err.code), what);
  assert.ok(err.message.includes(JSON.stringify(id)), `${what}: ${err.message}`);
}

test("offline, an experiment id the store does not make reads, writes and moves nothing", async () => {
  await using s = await storeBesideAnother();
  const before = readdirSync(s.outsideExp).sort();
  const meta = readFileSync(join(s.outsideExp, "meta.yaml"), "utf8");
  await refused("getExperiment", s.client.getExperiment(s.expId), s.expId);
  await refused("startRun", s.client.startRun({ experimentId: s.expId }), s.expId);
  await refused("deleteExperiment", s.client.deleteExperiment(s.expId), s.expId);
  await refused("searchRuns", s.client.searchRuns({ experimentIds: [s.expId] }), s.expId);
  assert.deepEqual(readdirSync(s.outsideExp).sort(), before, "no run written beside the store");
  assert.equal(readFileSync(join(s.outsideExp, "meta.yaml"), "utf8"), meta, "not deleted");
  assert.ok(!existsSync(join(s.dir, "store", "side")), "nothing moved into the store");
  for (const id of ["..", ".trash", "1/..", "1a", " 1", "0\n"]) {
    await refused(`getExperiment(${JSON.stringify(id)})`, s.client.getExperiment(id), id);
  }
});

test("offline, a run id the store does not make reaches no file", async () => {
  await using s = await storeBesideAnother();
  const out = join(s.dir, "dl");
  await refused("getRun", s.client.getRun(s.runId), s.runId);
  await refused("listArtifacts", s.client.listArtifacts(s.runId), s.runId);
  await refused("downloadArtifacts", s.client.downloadArtifacts(s.runId, "", out), s.runId);
  await refused("getMetricHistory", s.client.getMetricHistory(s.runId, "loss"), s.runId);
  await refused("startRun({ runId })", s.client.startRun({ runId: s.runId }), s.runId);
  assert.ok(!existsSync(out), "nothing downloaded");
  const upper = "0123456789ABCDEF0123456789ABCDEF";
  await refused("an uppercase id (the store makes lowercase)", s.client.getRun(upper), upper);
});

test("cli show ID and artifacts ID refuse an id the store does not make, naming it", async () => {
  await using s = await storeBesideAnother();
  const err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = () => {};
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    for (const command of ["show", "artifacts"]) {
      err.length = 0;
      const code = await main([command, s.runId, "--store", join(s.dir, "store")]);
      assert.notEqual(code, 0, command);
      assert.match(
        err.join("\n"),
        /is not one a local store makes|must not contain '\/'/,
        `${command}: ${err}`,
      );
      assert.ok(!err.join("\n").includes("secret"), command);
    }
  } finally {
    console.log = log;
    console.error = error;
  }
});
