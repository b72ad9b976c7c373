/**
 * Twin of `v2/07_end_run_statuses.py`: end runs FINISHED, FAILED and KILLED.
 *
 * Run: deno run -A examples/oicm/07_end_run_statuses.ts
 */
import { connect } from "./connect.ts";

const { tc, workspaceId, done } = await connect();
await tc.setExperiment("v2-end-run-statuses", { workspaceId });

await tc.startRun({ runName: "finished-run", logSystemMetrics: false });
tc.logMetric("score", 0.90);
await tc.endRun("FINISHED");

await tc.startRun({ runName: "failed-run", logSystemMetrics: false });
tc.logParam("failure_reason", "simulated");
await tc.endRun("FAILED");

await tc.startRun({ runName: "killed-run", logSystemMetrics: false });
tc.logParam("cancel_reason", "manual-stop");
await tc.endRun("KILLED");

console.log(`last run: ${tc.lastActiveRun()!.info.runName} ${tc.lastActiveRun()!.info.status}`);
await done();
