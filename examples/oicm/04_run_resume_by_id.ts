/**
 * Twin of `v2/04_run_resume_by_id.py`: re-attach to a run by its id. (The Python example logs
 * the param `phase` twice with two values, which MLflow refuses; here the phase is a tag.)
 *
 * Run: deno run -A examples/oicm/04_run_resume_by_id.ts
 */
import { connect } from "./connect.ts";

const { tc, workspaceId, done } = await connect();
await tc.setExperiment("v2-run-resume-by-id", { workspaceId });

let runId: string;
{
  await using run = await tc.startRun({ runName: "resume-by-id-demo", logSystemMetrics: false });
  run.setTag("phase", "initial");
  runId = tc.activeRun()!.info.runId;
}
{
  await using run = await tc.startRun({ runId, logSystemMetrics: false });
  run.setTag("phase", "attached-by-id");
  run.logMetric("score", 0.93);
}
const got = await tc.getRun(runId);
console.log(
  `run ${got.info.runName}: phase=${got.data.tags.phase}, score=${got.data.metrics.score}`,
);
await done();
