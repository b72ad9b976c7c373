/**
 * The benchmarks, side by side with the peers, in one run: prints one table
 * (and writes .bench-out/results.json) with the machine, runtime versions, N,
 * medians over repetitions and ratios computed within this run.
 *
 *   deno task bench            full sizes
 *   deno task bench --smoke    small N, one repetition (CI keeps it working; no time is asserted)
 *   deno task bench --only=hot,e2e,mlflow,memory,integrations,artifacts,viewer,load,store   some sections only
 *
 * The real-MLflow part needs a Python with mlflow (MLFLOW_PYTHON, or .venv/bin/python); it is
 * skipped, with a message, when there is none.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { TrackingClient } from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { benchArtifacts } from "./artifacts.ts";
import { benchDecorator, benchOnnx, benchTfjs } from "./integrations.ts";
import { benchViewer } from "./viewer.ts";
import { benchLoad } from "./load.ts";
import { benchStoreReads } from "./store_reads.ts";
import type { Row } from "./row.ts";
import { mlflowPython, startMlflowServer, startServerProcess, version } from "./processes.ts";

const smoke = Deno.args.includes("--smoke");
const REPS = smoke ? 1 : 5;
const SECTIONS = [
  "hot",
  "e2e",
  "mlflow",
  "memory",
  "integrations",
  "artifacts",
  "viewer",
  "load",
  "store",
];
const only = Deno.args.find((a) => a.startsWith("--only="))?.slice("--only=".length).split(",");
const unknown = only?.filter((s) => !SECTIONS.includes(s)) ?? [];
if (unknown.length > 0) {
  console.error(`unknown section(s) ${unknown.join(", ")}; sections: ${SECTIONS.join(", ")}`);
  Deno.exit(2);
}
const wanted = (section: string) => only === undefined || only.includes(section);

const rows: Row[] = [];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function repeat(fn: () => Promise<number> | number, reps = REPS): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < reps; i++) out.push(await fn());
  return median(out);
}

// ---- 1. hot path -------------------------------------------------------------------------
/**
 * A client whose `log-batch` requests are answered at once by a stub (the rest by the fake), that
 * never flushes on its own and never spills: what it costs is the client's alone.
 */
function stubClient(): TrackingClient {
  const ok = () => Promise.resolve(new Response("{}"));
  const server = new FakeMlflowServer({ recordRequests: false });
  return new TrackingClient({
    apiHost: "http://fake",
    fetch: (input, init) =>
      String(input instanceof Request ? input.url : input).endsWith("log-batch")
        ? ok()
        : server.fetch(input, init),
    flushIntervalMs: 3_600_000,
    maxQueue: 1e9,
  });
}

async function hotPath(): Promise<void> {
  const client = stubClient();
  const run = await client.startRun();
  const n = smoke ? 100_000 : 1_000_000;
  const one = await repeat(async () => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) run.logMetric("loss", i * 1e-3, { step: i });
    const ns = (performance.now() - t0) * 1e6 / n;
    await client.flush();
    return ns;
  });
  rows.push({
    section: "1 hot path",
    what: "logMetric (enqueue only)",
    n,
    ours: one,
    unit: "ns/call",
    target: "<= 300 ns",
    met: one <= 300,
  });
  const keys = Array.from({ length: 10 }, (_, k) => `m${k}`);
  const record: Record<string, number> = Object.fromEntries(keys.map((k) => [k, 0]));
  const ten = await repeat(async () => {
    const calls = n / 10;
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) {
      record.m0 = i;
      run.logMetrics(record, { step: i });
    }
    const ns = (performance.now() - t0) * 1e6 / calls;
    await client.flush();
    return ns;
  });
  rows.push({
    section: "1 hot path",
    what: "logMetrics, 10 keys",
    n: n / 10,
    ours: ten,
    unit: "ns/call",
  });
  await client.close();
  await paramDelivery();
  await offlineResumeByName();
}

/**
 * Resuming a run by name offline reads each run's meta.yaml, not its metric files: the time
 * beside a run with many points against the same in an experiment without it.
 */
async function offlineResumeByName(): Promise<void> {
  const points = smoke ? 100_000 : 3_000_000;
  const resume = async (withBigRun: boolean) => {
    const dir = mkdtempSync(join(tmpdir(), "bench-resume-"));
    try {
      const client = new TrackingClient({ offline: true, storagePath: dir, maxQueue: 1e9 });
      await client.setExperiment("resume");
      if (withBigRun) {
        const big = await client.startRun({ runName: "big" });
        for (let i = 0; i < points; i++) big.logMetric("loss", i, { step: i });
        await big.end();
      }
      await (await client.startRun({ runName: "target" })).end();
      const ms = await repeat(async () => {
        const t0 = performance.now();
        // Offline a name alone makes a new run: resume: true asks for the lookup measured here.
        const run = await client.startRun({ runName: "target", resume: true });
        const took = performance.now() - t0;
        await run.end();
        return took;
      });
      await client.close();
      return ms;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const ours = await resume(true);
  const peer = await resume(false);
  rows.push({
    section: "1 hot path",
    what: `offline startRun({ runName, resume: true }) beside a ${points}-point run`,
    n: points,
    ours,
    peer,
    peerName: "the same, no other run",
    unit: "ms",
    ratio: ours / peer,
    target: "<= 2x (no metric file read)",
    met: ours / peer <= 2,
  });
}

/**
 * Delivering params is linear: the client-side cost per param of `end()` with 1M params queued
 * against the same with 100k (a stub server, so only the client is measured).
 */
async function paramDelivery(): Promise<void> {
  const client = stubClient();
  const perParam = (n: number) =>
    repeat(async () => {
      const run = await client.startRun();
      for (let i = 0; i < n; i++) run.logParam(`p${i}`, i);
      const t0 = performance.now();
      await run.end();
      return (performance.now() - t0) * 1000 / n;
    }, smoke ? 1 : 3);
  const big = smoke ? 100_000 : 1_000_000;
  const small = big / 10;
  const ours = await perParam(big);
  const peer = await perParam(small);
  rows.push({
    section: "1 hot path",
    what: `params delivered by end(), ${big} queued`,
    n: big,
    ours,
    peer,
    peerName: `the same with ${small} queued`,
    unit: "us/param",
    ratio: ours / peer,
    target: "<= 2x (linear)",
    met: ours / peer <= 2,
  });
  await client.close();
}

// ---- 2. end to end over loopback -------------------------------------------------------------
async function endToEnd(): Promise<void> {
  const server = await startServerProcess();
  try {
    const n = smoke ? 50_000 : 1_000_000;
    const client = new TrackingClient({ apiHost: server.url, flushIntervalMs: 1000 });
    const ours = await repeat(async () => {
      const run = await client.startRun();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) run.logMetric("loss", i * 1e-3, { step: i });
      await client.flush();
      const ms = performance.now() - t0;
      await run.end();
      const got = await server.count(run.runId, "loss");
      if (got.points !== n) throw new Error(`ours: ${got.points} of ${n} points arrived`);
      return ms;
    });
    const raw = await repeat(async () => {
      const run = await client.startRun();
      const t0 = performance.now();
      for (let b = 0; b < n / 1000; b++) {
        const metrics = Array.from({ length: 1000 }, (_, j) => {
          const i = b * 1000 + j;
          return { key: "loss", value: i * 1e-3, timestamp: Date.now(), step: i };
        });
        const res = await fetch(`${server.url}/api/2.0/mlflow/runs/log-batch`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ run_id: run.runId, metrics }),
        });
        await res.arrayBuffer();
      }
      const ms = performance.now() - t0;
      await run.end();
      return ms;
    });
    const ratio = ours / raw;
    rows.push({
      section: "2 end to end",
      what: `${n} points to a fake server process`,
      n,
      ours,
      peer: raw,
      peerName: "raw fetch, 1000/request",
      unit: "ms",
      ratio,
      target: "<= 1.15x raw",
      met: ratio <= 1.15,
    });
    // The npm `mlflow` client: one request per point.
    type NpmMlflow = { Runs: { logMetric(m: Record<string, unknown>): Promise<unknown> } };
    const mod = await import("mlflow");
    const MLflow = mod.default as unknown as new (o: { endpoint: string }) => NpmMlflow;
    const npm = new MLflow({ endpoint: server.url });
    const log = console.log;
    console.log = () => {}; // that client prints every request body
    const m = smoke ? 1_000 : 10_000;
    const run = await client.startRun();
    const t0 = performance.now();
    for (let i = 0; i < m; i++) {
      await npm.Runs.logMetric({
        run_id: run.runId,
        key: "loss",
        value: i,
        timestamp: Date.now(),
        step: i,
      });
    }
    const npmPer = (performance.now() - t0) * 1000 / m;
    console.log = log;
    await run.end();
    const oursPer = ours * 1000 / n;
    rows.push({
      section: "2 end to end",
      what: "per point delivered",
      n: m,
      ours: oursPer,
      peer: npmPer,
      peerName: "npm mlflow 2.0.7 logMetric",
      unit: "us/point",
      ratio: npmPer / oursPer,
      note: "ratio = how many times faster ours is",
    });
    await client.close();
  } finally {
    server.stop();
  }
}

// ---- 3. a real mlflow server -----------------------------------------------------------------
async function realMlflow(): Promise<void> {
  const python = mlflowPython();
  if (python === undefined) {
    console.log(
      "skipping the real-MLflow part: no Python with mlflow (set MLFLOW_PYTHON, or make .venv)",
    );
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "mlflow-bench-"));
  const server = await startMlflowServer(python, dir, [
    "--default-artifact-root",
    `${dir}/artifacts`,
  ]);
  const uri = server.url;
  try {
    const n = smoke ? 5_000 : 100_000;
    const client = new TrackingClient({ apiHost: uri });
    await client.setExperiment("bench-ours");
    const ours = await repeat(async () => {
      const run = await client.startRun();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) run.logMetric("loss", 1 / (i + 1), { step: i });
      await client.flush();
      const ms = performance.now() - t0;
      await run.end();
      return ms;
    }, smoke ? 1 : 3);
    await client.close();
    const syncN = smoke ? 200 : 2_000;
    // Python's async logging takes ~7 ms a point: the smoke run (which only checks that the
    // bench works) gives it a few hundred, and compares per point.
    const asyncN = smoke ? 300 : n;
    const out = JSON.parse(
      execFileSync(python, ["bench/python_clients.py", uri, String(asyncN), String(syncN)], {
        encoding: "utf8",
        env: { ...process.env, PYTHONWARNINGS: "ignore" },
      }).trim().split("\n").pop()!,
    );
    const asyncMs = out.async_seconds * 1000 * n / asyncN; // scaled to n points
    rows.push({
      section: "3 real mlflow",
      what: `${n} points, sqlite backend`,
      n,
      ours,
      peer: asyncMs,
      peerName: asyncN === n
        ? "python log_metric(synchronous=False)"
        : `python log_metric(synchronous=False), ${asyncN} points scaled to ${n}`,
      unit: "ms",
      ratio: asyncMs / ours,
      target: ">= 5x faster",
      met: asyncMs / ours >= 5,
    });
    rows.push({
      section: "3 real mlflow",
      what: "per point delivered",
      n: syncN,
      ours: ours * 1000 / n,
      peer: out.sync_seconds * 1e6 / syncN,
      peerName: "python log_metric (sync)",
      unit: "us/point",
      ratio: (out.sync_seconds * 1e6 / syncN) / (ours * 1000 / n),
      note: "ratio = how many times faster ours is",
    });
  } finally {
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- 4. memory under a slow server ---------------------------------------------------------------
/** One 10M-point run in a child process; its peak RSS and what the server got. */
async function memoryRun(n: number, flags: string[]) {
  const server = await startServerProcess(5);
  const spool = mkdtempSync(join(tmpdir(), "bench-spool-"));
  try {
    const out = execFileSync(
      Deno.execPath(),
      ["run", "-A", ...flags, "bench/memory_child.ts", server.url, String(n), spool],
      { encoding: "utf8", maxBuffer: 1 << 20 },
    );
    const result = JSON.parse(out.trim().split("\n").pop()!);
    return { ...result, got: await server.count(result.runId, "loss") };
  } finally {
    server.stop();
    rmSync(spool, { recursive: true, force: true });
  }
}

/** The peer: bare fetch of the same points, nothing on disk; its peak RSS. */
async function rawFetchMemory(n: number): Promise<{ peakRssMb: number; seconds: number }> {
  const server = await startServerProcess(5);
  try {
    const out = execFileSync(
      Deno.execPath(),
      ["run", "-A", "bench/memory_raw_child.ts", server.url, String(n)],
      { encoding: "utf8", maxBuffer: 1 << 20 },
    );
    return JSON.parse(out.trim().split("\n").pop()!);
  } finally {
    server.stop();
  }
}

async function memory(): Promise<void> {
  const n = smoke ? 200_000 : 10_000_000;
  const raw = await rawFetchMemory(n);
  // Default V8 flags (three runs: RSS varies from run to run with when V8 collects), then once
  // with V8's old space capped (a flag of the training process), then once with a full collection
  // forced every second: a diagnostic (no target) of what is live and what the runtime keeps.
  const configs = [
    { flags: [], reps: smoke ? 1 : 3, label: "" },
    { flags: ["--v8-flags=--max-old-space-size=64"], reps: 1, label: ", V8 old space 64 MB" },
    {
      flags: ["--v8-flags=--expose-gc"],
      reps: 1,
      label: ", full GC every second (diagnostic)",
      diagnostic: true,
    },
  ];
  for (const { flags, reps, label, diagnostic } of configs) {
    const runs = [];
    for (let i = 0; i < reps; i++) runs.push(await memoryRun(n, flags));
    const peaks = runs.map((r) => r.peakRssMb).sort((a, b) => a - b);
    const peak = peaks[Math.floor(peaks.length / 2)];
    const whole = runs.every((r) => r.got.steps === n && r.got.points === n);
    const withPeer = flags.length === 0;
    rows.push({
      section: "4 memory",
      what: `${n} points, server +5 ms/request${label}`,
      n,
      ours: peak,
      peer: withPeer ? raw.peakRssMb : undefined,
      peerName: withPeer ? "raw fetch, 1000/request, nothing on disk" : undefined,
      unit: reps > 1 ? `MB peak RSS (median of ${reps})` : "MB peak RSS",
      ratio: withPeer ? peak / raw.peakRssMb : undefined,
      target: diagnostic ? undefined : "<= 200 MB, nothing lost",
      met: diagnostic ? undefined : peak <= 200 && whole,
      note: `peaks ${peaks.join(", ")} MB; ` +
        runs.map((r) =>
          `${r.spilled} points spilled to disk, ${r.got.points} arrived, ${r.got.steps} distinct, ` +
          `${r.seconds} s, peak while logging ${r.peakWhileLoggingMb} MB`
        ).join("; "),
    });
  }
}

// ---- run ------------------------------------------------------------------------------------------
const machine = {
  cpus: `${cpus().length} x ${cpus()[0]?.model ?? "?"}`,
  memoryGb: +(totalmem() / 2 ** 30).toFixed(1),
  deno: Deno.version.deno,
  bun: version("bun", ["--version"]),
  node: version("node", ["--version"]),
  smoke,
};
console.log(JSON.stringify(machine));
if (wanted("hot")) await hotPath();
if (wanted("e2e")) await endToEnd();
if (wanted("mlflow")) await realMlflow();
if (wanted("memory")) await memory();
if (wanted("integrations")) rows.push(...await benchIntegrations());
if (wanted("artifacts")) rows.push(...await benchArtifacts(smoke, mlflowPython()));
if (wanted("viewer")) rows.push(...await benchViewer(smoke, mlflowPython()));
if (wanted("load")) rows.push(...await benchLoad(smoke, mlflowPython()));
if (wanted("store")) rows.push(...await benchStoreReads(smoke, mlflowPython()));

async function benchIntegrations(): Promise<Row[]> {
  return [
    ...await benchDecorator(smoke),
    ...await benchTfjs(smoke),
    ...await benchOnnx(smoke),
  ];
}

const fmt = (v: number | undefined) =>
  v === undefined
    ? ""
    : Math.abs(v) >= 100
    ? v.toFixed(0)
    : Math.abs(v) >= 1
    ? v.toFixed(2)
    : v.toPrecision(3);
const table = [
  "| section | what | N | ours | peer | unit | ratio | target | met |",
  "| --- | --- | ---: | ---: | --- | --- | ---: | --- | --- |",
  ...rows.map((r) =>
    `| ${r.section} | ${r.what} | ${r.n} | ${fmt(r.ours)} | ${
      r.peerName ? `${fmt(r.peer)} (${r.peerName})` : ""
    } | ${r.unit} | ${r.ratio === undefined ? "" : fmt(r.ratio) + "x"} | ${r.target ?? ""} | ${
      r.met === undefined ? "" : r.met ? "yes" : "NO"
    } |`
  ),
].join("\n");
console.log(table);
for (const r of rows.filter((r) => r.note)) console.log(`- ${r.section}, ${r.what}: ${r.note}`);
mkdirSync(".bench-out", { recursive: true });
writeFileSync(".bench-out/results.json", JSON.stringify({ machine, rows }, null, 2));
console.log("bench ok: wrote .bench-out/results.json");
