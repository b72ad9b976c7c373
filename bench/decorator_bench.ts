/**
 * The cost of `@tracked` on the caller, against the same method undecorated.
 * The server is the in-process fake (its `fetch`, no socket), so the network
 * is excluded; "+ flush" also pays for creating, logging and ending the run.
 *
 * Run: deno bench --allow-env --allow-read --allow-sys bench/decorator_bench.ts
 */
import { tracked, TrackingClient } from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";

const client = new TrackingClient({
  apiHost: "http://fake",
  fetch: new FakeMlflowServer().fetch,
  onError: () => {},
});

function train(epochs: number, opts: { lr: number; batch: number }): number {
  let acc = 0;
  for (let i = 0; i < 100; i++) acc += Math.sqrt(i * epochs * opts.lr * opts.batch);
  return acc;
}
const trainTracked = tracked(train, { client, runName: "bench" });
const opts = { lr: 0.01, batch: 32 };

Deno.bench("undecorated async", { group: "call + delivery", baseline: true }, async () => {
  await Promise.resolve(train(3, opts));
});

Deno.bench("@tracked call + flush (run created, logged, ended)", {
  group: "call + delivery",
}, async () => {
  trainTracked(3, opts);
  await client.flush();
});

Deno.bench("undecorated call", { group: "sync call", baseline: true }, () => {
  train(3, opts);
});

Deno.bench("@tracked call (caller side)", { group: "sync call" }, async (b) => {
  b.start();
  trainTracked(3, opts);
  b.end();
  await client.flush(); // outside the measurement: no backlog builds up
});
