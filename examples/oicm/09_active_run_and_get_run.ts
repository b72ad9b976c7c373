/**
 * Twin of `v2/09_active_run_and_get_run.py`: the active run, the last active run, and a run read
 * back from the server.
 *
 * Run: deno run -A examples/oicm/09_active_run_and_get_run.ts
 */
import { connect } from "./connect.ts";

const { tc, workspaceId, done } = await connect();
await tc.setExperiment("v2-active-run-and-get-run", { workspaceId });

{
  await using _run = await tc.startRun({ runName: "lookup-demo", logSystemMetrics: false });
  tc.logParam("model", "sgd");
  console.log("Active run id:", tc.activeRun()!.info.runId);
}

const latest = tc.lastActiveRun()!;
const fetched = await tc.getRun(latest.info.runId);
console.log("Last active run id:", latest.info.runId);
console.log("Fetched run status:", fetched.info.status);
await done();
