/**
 * Logs N points to the server at `url` in one run, then waits until every
 * point has been delivered, sampling this process's RSS throughout. Prints one
 * JSON line: { runId, peakRssMb, spilled, seconds }.
 *
 * Run: deno run -A bench/memory_child.ts <url> <N> <spoolDir>
 */
import process from "node:process";
import { TrackingClient } from "../mod.ts";

const [url, n, spoolPath] = [Deno.args[0], Number(Deno.args[1]), Deno.args[2]];
let peak = 0;
const sample = () => peak = Math.max(peak, process.memoryUsage().rss);
const timer = setInterval(sample, 20);
// With --v8-flags=--expose-gc (a diagnostic run): a full collection every second, so RSS shows the
// live set and what the runtime keeps, without the garbage V8 lets pile up between collections.
const gc = (globalThis as { gc?: () => void }).gc;
const collector = gc === undefined ? undefined : setInterval(gc, 1000);
const client = new TrackingClient({
  apiHost: url,
  spoolPath,
  spoolRetryMs: 50,
  onNotice: () => {},
});
const run = await client.startRun({ runName: "memory" });
const started = performance.now();
for (let i = 0; i < n; i++) {
  run.logMetric("loss", 1 / (i + 1), { step: i });
  if (i % 100_000 === 99_999) {
    sample();
    await new Promise((r) => setTimeout(r, 0)); // a training loop yields now and then
  }
}
const peakWhileLogging = peak;
await run.end();
await client.close(); // drains the spool
sample();
clearInterval(timer);
if (collector !== undefined) clearInterval(collector);
console.log(JSON.stringify({
  runId: run.runId,
  peakRssMb: +(peak / 1024 / 1024).toFixed(1),
  peakWhileLoggingMb: +(peakWhileLogging / 1024 / 1024).toFixed(1),
  spilled: client.spilled,
  seconds: +((performance.now() - started) / 1000).toFixed(2),
}));
