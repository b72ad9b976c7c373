import assert from "node:assert/strict";
import { NotFoundError, TrackingError, ValidationError } from "../mod.ts";
import { setup } from "./helpers.ts";
import { test } from "./harness.ts";

test("setExperiment creates the experiment once and reuses it after", async () => {
  await using t = await setup();
  const first = await t.client.setExperiment("mnist");
  const again = await t.client.setExperiment("mnist");
  assert.equal(again.experimentId, first.experimentId);
  assert.equal(t.client.experimentId, first.experimentId);
  assert.equal(t.server.count("experiments/create"), 1);
  assert.equal(first.name, "mnist");
  assert.equal(first.lifecycleStage, "active");
});

test("setExperiment survives a create race: RESOURCE_ALREADY_EXISTS means get it", async () => {
  await using t = await setup();
  // Two setExperiment calls in flight: both find no experiment, both create, one loses.
  const [a, b] = await Promise.all([
    t.client.setExperiment("raced-2"),
    t.client.setExperiment("raced-2"),
  ]);
  assert.equal(a.experimentId, b.experimentId);
  const matching = [...t.server.store().experiments.values()].filter((e) => e.name === "raced-2");
  assert.equal(matching.length, 1);
  assert.equal(t.server.count("experiments/create"), 2, "both tried to create, one lost the race");
});

test("setExperiment applies tags given as labels and as a record", async () => {
  await using t = await setup();
  await t.client.setExperiment("tagged", { tags: ["vision", "baseline"] });
  await t.client.setExperimentTags({ team: "ml" });
  const exp = await t.client.getExperimentByName("tagged");
  assert.deepEqual(exp?.tags, { vision: "_OI_USER_TAG", baseline: "_OI_USER_TAG", team: "ml" });
});

test("createExperiment gets or creates, makes the experiment active, applies tags (as Python)", async () => {
  await using t = await setup();
  const made = await t.client.createExperiment("fresh", { tags: { owner: "me" } });
  assert.equal(made.name, "fresh");
  assert.equal(t.client.experimentId, made.experimentId, "it is the active experiment");
  const exp = await t.client.getExperiment(made.experimentId);
  assert.deepEqual(exp.tags, { owner: "me" });
  assert.equal(typeof exp.creationTime, "number");
  // A taken name is no error: the same experiment, with the new tags applied.
  const again = await t.client.createExperiment("fresh", { tags: ["second"] });
  assert.equal(again.experimentId, made.experimentId);
  assert.deepEqual((await t.client.getExperiment(made.experimentId)).tags, {
    owner: "me",
    second: "_OI_USER_TAG",
  });
  const run = await t.client.startRun();
  assert.equal(run.info.experimentId, made.experimentId);
  await run.end();
});

test("getExperimentByName resolves undefined when absent; getExperiment throws NotFound", async () => {
  await using t = await setup();
  assert.equal(await t.client.getExperimentByName("nope"), undefined);
  const err = await t.client.getExperiment("999").catch((e) => e);
  assert.ok(err instanceof NotFoundError);
  assert.equal(err.code, "RESOURCE_DOES_NOT_EXIST");
});

test("searchExperiments follows page tokens up to maxResults and applies filters", async () => {
  await using t = await setup();
  for (let i = 0; i < 1205; i++) t.server.store().createExperiment({ name: `exp-${i}` });
  const all = await t.client.searchExperiments();
  assert.equal(all.length, 1206); // with Default
  assert.ok(t.server.count("experiments/search") >= 2, "more than one page was read");
  const some = await t.client.searchExperiments({ maxResults: 1100 });
  assert.equal(some.length, 1100);
  const filtered = await t.client.searchExperiments({ filter: "name LIKE 'exp-99%'" });
  assert.deepEqual(
    filtered.map((e) => e.name).sort(),
    ["exp-99", ...Array.from({ length: 10 }, (_, i) => `exp-99${i}`)].sort(),
  );
});

test("deleteExperiment soft-deletes; setExperiment then refuses the name", async () => {
  await using t = await setup();
  const exp = await t.client.setExperiment("doomed");
  await t.client.deleteExperiment(exp.experimentId);
  assert.equal(t.client.experimentId, undefined);
  const read = await t.client.getExperiment(exp.experimentId);
  assert.equal(read.lifecycleStage, "deleted");
  assert.equal((await t.client.searchExperiments()).some((e) => e.name === "doomed"), false);
  const deleted = await t.client.searchExperiments({ viewType: "DELETED_ONLY" });
  assert.deepEqual(deleted.map((e) => e.name), ["doomed"]);
  const err = await t.client.setExperiment("doomed").catch((e) => e);
  assert.ok(err instanceof TrackingError);
  assert.match(err.message, /deleted/);
});

test("setExperiment refuses while a run is active, and checks the name first", async () => {
  await using t = await setup();
  await t.client.setExperiment("a");
  await t.client.startRun();
  await assert.rejects(t.client.setExperiment("b"), ValidationError);
  await t.client.endRun();
  const before = t.server.requests.length;
  await assert.rejects(t.client.setExperiment(""), ValidationError);
  await assert.rejects(t.client.setExperiment("x".repeat(501)), /500/);
  assert.equal(t.server.requests.length, before, "no request for bad input");
});

test("setExperimentTags without an active experiment is a ValidationError", async () => {
  await using t = await setup();
  await assert.rejects(t.client.setExperimentTags(["x"]), ValidationError);
});
