/**
 * Twin of `v2/02_metric_time_series.py`: a metric as a time series, one point per step. The
 * Python example fits scikit-learn's SGDRegressor on the diabetes data; here plain SGD fits a
 * linear model on generated data, and the test RMSE is logged after each pass.
 *
 * Run: deno run -A examples/oicm/02_metric_time_series.ts
 */
import { connect } from "./connect.ts";

const { tc, workspaceId, done } = await connect();
await tc.setExperiment("v2-metric-time-series", { workspaceId });

// y = 3x1 - 2x2 + 1 + noise, split 80/20, from a seeded generator.
let seed = 42;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const rows = Array.from({ length: 400 }, () => {
  const x = [rand() * 2 - 1, rand() * 2 - 1];
  return { x, y: 3 * x[0] - 2 * x[1] + 1 + (rand() - 0.5) * 0.2 };
});
const [train, test] = [rows.slice(0, 320), rows.slice(320)];
const w = [0, 0];
let b = 0;
const eta0 = 0.01;
const rmse = () =>
  Math.sqrt(
    test.reduce((a, r) => a + (w[0] * r.x[0] + w[1] * r.x[1] + b - r.y) ** 2, 0) / test.length,
  );

await using run = await tc.startRun({ runName: "sgd-training-demo", logSystemMetrics: false });
run.logParams({ dataset: "generated-linear", epochs: 8, eta0 });
for (let step = 1; step <= 8; step++) {
  for (const r of train) {
    const err = w[0] * r.x[0] + w[1] * r.x[1] + b - r.y;
    w[0] -= eta0 * err * r.x[0];
    w[1] -= eta0 * err * r.x[1];
    b -= eta0 * err;
  }
  run.logMetric("rmse", rmse(), { step });
}
await run.end();
const history = await tc.getRun(run.runId);
console.log(`rmse after 8 passes: ${history.data.metrics.rmse.toFixed(4)}`);
await done();
