/**
 * Twin of OICM's Python example `v2/01_quickstart_online.py`: set an experiment in a
 * workspace, start a run, log a param and a metric.
 *
 * Run: deno run -A examples/oicm/01_quickstart_online.ts
 */
import { connect } from "./connect.ts";

const { tc, workspaceId, done } = await connect();
await tc.setExperiment("v2-quickstart-online", { workspaceId });
{
  await using run = await tc.startRun({ runName: "smoke_test", logSystemMetrics: false });
  run.logParam("model", "xgboost");
  run.logMetric("auc", 0.91);
}
const run = tc.lastActiveRun()!;
console.log(
  `run ${run.info.runName}: ${JSON.stringify((await tc.getRun(run.runId)).data.metrics)}`,
);
await done();
