/**
 * Overhead of the tfjs tracking callback on a 20-epoch fit, against the same
 * fit without it, measured in one run (alternating, medians). The server is the
 * in-process fake, so the network is excluded. Target: under 2 % of fit time.
 *
 * Run: deno run -A bench/tfjs_bench.ts [reps]
 */
import * as tf from "@tensorflow/tfjs";
import { TrackingClient } from "../mod.ts";
import { trackingCallback } from "../integrations/tfjs.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";

await tf.setBackend("cpu");
const reps = Number(Deno.args[0] ?? 7);
const client = new TrackingClient({ apiHost: "http://fake", fetch: new FakeMlflowServer().fetch });

const x = tf.randomNormal([512, 16], 0, 1, "float32", 1);
const y = tf.randomUniform([512, 1], 0, 1, "float32", 2).round();

function model(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: 32, inputShape: [16], activation: "relu" }));
  m.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
  m.compile({ optimizer: "adam", loss: "binaryCrossentropy", metrics: ["accuracy"] });
  return m;
}

async function fit(tracked: boolean): Promise<number> {
  const m = model();
  const started = performance.now();
  await m.fit(x, y, {
    epochs: 20,
    batchSize: 64,
    validationSplit: 0.2,
    verbose: 0,
    callbacks: tracked ? trackingCallback(client, { model: m }) : undefined,
  });
  const elapsed = performance.now() - started;
  await client.flush();
  m.dispose();
  return elapsed;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
await fit(false); // warm-up
await fit(true);
const plain: number[] = [];
const tracked: number[] = [];
for (let i = 0; i < reps; i++) {
  plain.push(await fit(false));
  tracked.push(await fit(true));
}
const [p, t] = [median(plain), median(tracked)];
const result = {
  bench: "tfjs callback on a 20-epoch fit",
  reps,
  plain_ms: +p.toFixed(1),
  tracked_ms: +t.toFixed(1),
  overhead_pct: +((t / p - 1) * 100).toFixed(2),
  target_pct: 2,
};
console.table([result]);
console.log(JSON.stringify(result));
await client.close();
