import { TrackingClient } from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
const client = new TrackingClient({
  apiHost: "http://fake",
  fetch: new FakeMlflowServer().fetch,
  flushIntervalMs: 60_000,
  maxQueue: 1e9,
});
const run = await client.startRun();
const N = 1_000_000;
for (let rep = 0; rep < 5; rep++) {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) run.logMetric("loss", i * 0.001, { step: i });
  const t1 = performance.now();
  console.log("logMetric ns/call", ((t1 - t0) * 1e6 / N).toFixed(1));
  await client.flush();
}
await client.close();
