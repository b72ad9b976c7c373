/**
 * Twin of `v2/03_run_resume_by_name.py`: a second start with the same run name in the same
 * experiment continues that run (found with OICM's own run lookup). The Python example logs the
 * param `phase` twice with two values, which MLflow refuses (params cannot change); here the
 * phase is a tag, which may.
 *
 * Run: deno run -A examples/oicm/03_run_resume_by_name.ts
 */
import { connect } from "./connect.ts";

const { tc, workspaceId, done } = await connect({ onNotice: () => {} });
await tc.setExperiment("v2-run-resume-by-name", { workspaceId });
const runName = "resume-by-name-demo";

const first = await tc.startRun({ runName, logSystemMetrics: false });
first.setTag("phase", "first-pass");
await first.end();

// A run of that name exists in the active experiment: startRun continues it.
const second = await tc.startRun({ runName, logSystemMetrics: false });
second.setTag("phase", "second-pass");
second.logMetric("score", 0.87);
await second.end();

console.log(`same run: ${first.runId === second.runId}`);
await done();
