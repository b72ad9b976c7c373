/**
 * Quickstart: the OICM Python quickstart in TypeScript, run against the
 * in-process fake MLflow server on a loopback port, then reading back what was
 * recorded. To use a real server, drop the fake and pass your own `apiHost`,
 * `apiKey` and `workspaceId` (or call `TrackingClient.fromEnv()`).
 *
 * Run: deno task quickstart
 */
import { TrackingClient } from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";

// The fake in OICM mode serves only what OICM Tracking serves its Python v2 client.
const server = new FakeMlflowServer({ apiKey: "demo-key", workspaces: ["ws-demo"], oicm: true });
const { url } = await server.listen();

// An OICM-style API host: requests go to {apiHost}/v1/workspaces/{workspaceId}/mlflow/...
const client = new TrackingClient({ apiHost: `${url}/api/tracking`, apiKey: "demo-key" });

await client.setExperiment("quickstart", { workspaceId: "ws-demo" });
// System metrics are on by default with OICM (as in OICM's Python client); off here, as in its
// quickstart, so that the quickstart needs no --allow-sys.
const run = await client.startRun({
  runName: "first-run",
  tags: ["baseline"],
  logSystemMetrics: false,
});
client.logParam("learning_rate", 0.01);
for (let epoch = 0; epoch < 5; epoch++) {
  client.logMetric("loss", 1 / (epoch + 1), { step: epoch });
}
await client.endRun("FINISHED");

const recorded = await client.getRun(run.runId);
console.log(`run ${recorded.info.runName} (${recorded.info.runId}): ${recorded.info.status}`);
console.log("params:", recorded.data.params);
console.log("latest metrics:", recorded.data.metrics);
console.log(
  "tags:",
  Object.fromEntries(Object.entries(recorded.data.tags).filter(([k]) => !k.startsWith("mlflow."))),
);

await client.close();
await server.close();
