/**
 * Twin of `v2/05_tags_example.py`: tags as labels on an experiment and on a run (stored as
 * `<label>: _OI_USER_TAG`, as OICM's Python client stores them).
 *
 * Run: deno run -A examples/oicm/05_tags_example.ts
 */
import { connect } from "./connect.ts";

const { tc, workspaceId, done } = await connect();
await tc.setExperiment("v2-tags-demo", { workspaceId });
await tc.setExperimentTags(["demo", "tracking-client", "v2"]);

await tc.startRun({
  runName: "tagged-run",
  tags: ["candidate", "review"],
  logSystemMetrics: false,
});
tc.setRunTags(["manual-metrics", "baseline"]);
tc.logParam("model", "ridge");
tc.logMetric("score", 0.82);
await tc.endRun();

const run = tc.lastActiveRun()!;
const labels = Object.entries((await tc.getRun(run.runId)).data.tags)
  .filter(([, v]) => v === "_OI_USER_TAG").map(([k]) => k).sort();
console.log(`run labels: ${labels.join(", ")}`);
await done();
