/**
 * The peer of the memory run: the same N points sent with bare `fetch`, 1000
 * per `runs/log-batch` request and two requests in flight, nothing kept on
 * disk. Prints one JSON line: { peakRssMb, seconds }.
 *
 * Run: deno run -A bench/memory_raw_child.ts <url> <N>
 */
import process from "node:process";

const [url, n] = [Deno.args[0].replace(/\/$/, ""), Number(Deno.args[1])];
let peak = 0;
const sample = () => peak = Math.max(peak, process.memoryUsage().rss);
const timer = setInterval(sample, 20);
const post = async (route: string, body: unknown) => {
  const res = await fetch(`${url}/api/2.0/mlflow/${route}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`);
  return await res.json();
};
const started = performance.now();
const { experiment_id } = await post("experiments/create", { name: `raw-${Date.now()}` });
const { run } = await post("runs/create", { experiment_id, start_time: Date.now() });
const inFlight = new Set<Promise<unknown>>();
for (let b = 0; b < n / 1000; b++) {
  const metrics = [];
  for (let i = b * 1000; i < (b + 1) * 1000; i++) {
    metrics.push({ key: "loss", value: 1 / (i + 1), timestamp: Date.now(), step: i });
  }
  const p: Promise<unknown> = post("runs/log-batch", { run_id: run.info.run_id, metrics })
    .finally(() => inFlight.delete(p));
  inFlight.add(p);
  if (inFlight.size >= 2) await Promise.race(inFlight);
}
await Promise.all(inFlight);
sample();
clearInterval(timer);
console.log(JSON.stringify({
  peakRssMb: +(peak / 1024 / 1024).toFixed(1),
  seconds: +((performance.now() - started) / 1000).toFixed(2),
}));
