// The README quickstart, as a Node 20 user of the packed tarball writes it.
import assert from "node:assert/strict";
import { TrackingClient } from "@oicm/tracking";
import { FakeMlflowServer } from "@oicm/tracking/testing";

const server = new FakeMlflowServer({ apiKey: "my-key" });
const { url } = await server.listen();
const tc = new TrackingClient({ apiHost: `${url}/api/tracking`, apiKey: "my-key" });
await tc.setExperiment("my-experiment", { workspaceId: "my-workspace" });
await tc.startRun({ runName: "first-run", tags: ["baseline"] });
tc.logParam("learning_rate", 0.01);
for (let epoch = 0; epoch < 3; epoch++) tc.logMetric("loss", 1 / (epoch + 1), { step: epoch });
await tc.endRun();
const run = tc.lastActiveRun();
const got = await tc.getRun(run.runId);
assert.equal(got.info.status, "FINISHED");
assert.deepEqual(got.data.params, { learning_rate: "0.01" });
assert.equal((await tc.getMetricHistory(run.runId, "loss")).length, 3);
await tc.close();
await server.close();
console.log("quickstart ok:", got.data.metrics);
