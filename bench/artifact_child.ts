/**
 * Uploads one file as an artifact of a new run and downloads it back,
 * sampling this process's RSS every 10 ms. Prints one JSON line:
 * { runId, artifactRoot, upMs, downMs, baselineMb, upPeakMb, downPeakMb }
 * (peaks above the baseline taken once the client is warm).
 *
 * Run: deno run -A bench/artifact_child.ts <apiHost> <file> <dstDir> <spoolDir>
 */
import { basename } from "node:path";
import process from "node:process";
import { TrackingClient } from "../mod.ts";

const [apiHost, file, dst, spoolPath] = Deno.args;
const client = new TrackingClient({ apiHost, spoolPath, onNotice: () => {} });
await client.setExperiment("bench-artifacts");
const run = await client.startRun();
// Warm: the code paths, the connection, the artifact URI lookup.
await run.logText("warm", "warm.txt");
await client.downloadArtifacts(run.runId, "warm.txt", dst);
const rss = () => process.memoryUsage().rss;
const baseline = rss();
let peak = baseline;
const timer = setInterval(() => peak = Math.max(peak, rss()), 10);

let t0 = performance.now();
await run.logArtifact(file);
const upMs = performance.now() - t0;
const upPeak = Math.max(peak, rss()) - baseline;

peak = rss();
t0 = performance.now();
await client.downloadArtifacts(run.runId, basename(file), dst);
const downMs = performance.now() - t0;
const downPeak = Math.max(peak, rss()) - baseline;
clearInterval(timer);

const info = (await client.getRun(run.runId)).info;
await run.end();
await client.close();
const mb = (n: number) => +(n / 2 ** 20).toFixed(1);
console.log(JSON.stringify({
  runId: run.runId,
  artifactRoot: info.artifactUri!.replace(/^mlflow-artifacts:(\/\/[^/]*)?\/*/, ""),
  upMs: +upMs.toFixed(0),
  downMs: +downMs.toFixed(0),
  baselineMb: mb(baseline),
  upPeakMb: mb(upPeak),
  downPeakMb: mb(downPeak),
}));
