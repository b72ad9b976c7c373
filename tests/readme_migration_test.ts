/** The README's migration table says what the calls it names resolve to. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "./harness.ts";
import { inProcess } from "./helpers.ts";

test("the README's migration table said createExperiment returns an id; it returns an Experiment", async () => {
  const row = readFileSync("README.md", "utf8").split("\n")
    .find((line) => line.includes("`await tc.createExperiment("));
  assert.ok(row, "a migration row for createExperiment");
  const { client } = inProcess();
  const experiment = await client.createExperiment("migration");
  assert.equal(typeof experiment, "object");
  assert.equal(typeof experiment.experimentId, "string");
  assert.equal(experiment.name, "migration");
  assert.match(row, /→ `Experiment`/);
  await client.close();
});
