/**
 * Twin of `v2/08_switch_experiments_safely.py`: switch experiments only after the run in the
 * previous one has ended (setExperiment refuses while a run is active).
 *
 * Run: deno run -A examples/oicm/08_switch_experiments_safely.ts
 */
import { connect } from "./connect.ts";

const { tc, workspaceId, done } = await connect();

await tc.setExperiment("v2-switch-exp-a", { workspaceId });
await tc.withRun(
  { runName: "run-in-a", logSystemMetrics: false },
  (run) => run.logMetric("m1", 1.0),
);

// Switch experiments only after the previous run has ended.
await tc.setExperiment("v2-switch-exp-b", { workspaceId });
await tc.withRun(
  { runName: "run-in-b", logSystemMetrics: false },
  (run) => run.logMetric("m1", 2.0),
);

const b = tc.lastActiveRun()!;
console.log(
  `run-in-b is in experiment ${b.info.experimentId} (the active one: ${tc.experimentId})`,
);
await done();
