import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import process from "node:process";
import { statfsSync } from "node:fs";
import {
  parseMeminfo,
  parseNvidiaSmi,
  parseRocmSmi,
} from "../src/system_metrics/system_metrics.ts";
import { H200_IDLE, H200_UNDER_LOAD, NVML_USED_MIB, TWO_CARDS } from "./fixtures/nvidia_smi.ts";
import { test } from "./harness.ts";
import { inProcess } from "./helpers.ts";

const fixture = (opts: { logSystemMetrics?: boolean } = {}) =>
  inProcess({ systemMetrics: { intervalMs: 40 }, ...opts });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const EXPECTED = [
  "system/cpu_utilization_percentage",
  "system/system_memory_usage_megabytes",
  "system/system_memory_usage_percentage",
  "system/disk_usage_megabytes",
  "system/disk_available_megabytes",
  "system/disk_usage_percentage",
  "system/network_receive_megabytes",
  "system/network_transmit_megabytes",
  "system/process_memory_rss_megabytes",
];

/** Deno lets only --allow-all read /proc/net/dev; without it the network metrics are off. */
const networkReadable = (() => {
  try {
    readFileSync("/proc/net/dev");
    return true;
  } catch {
    return false;
  }
})();

test("samples carry MLflow's keys, steps 0,1,2..., plausible values, and stop at the end", async () => {
  const { client, runs } = fixture();
  const run = await client.startRun({ logSystemMetrics: true });
  await sleep(230);
  await run.end();
  const [stored] = runs();
  for (const key of EXPECTED) {
    const wanted = networkReadable || !key.includes("network");
    assert.equal(stored.history.has(key), wanted, `${key} ${wanted ? "missing" : "unexpected"}`);
  }
  const cpu = stored.history.get("system/cpu_utilization_percentage")!;
  assert.ok(cpu.length >= 2, `${cpu.length} samples`);
  assert.deepEqual(cpu.map((p) => p.step), cpu.map((_, i) => i));
  const v = (k: string) => stored.latest.get(k)!.value;
  assert.ok(cpu.every((p) => p.value >= 0 && p.value <= 100));
  assert.ok(
    v("system/system_memory_usage_percentage") > 0 &&
      v("system/system_memory_usage_percentage") < 100,
  );
  assert.ok(v("system/process_memory_rss_megabytes") > 10);
  assert.ok(v("system/disk_usage_percentage") > 0 && v("system/disk_usage_percentage") <= 100);
  if (networkReadable) {
    assert.ok(v("system/network_receive_megabytes") >= 0, "since the run started");
  }
  const count = cpu.length;
  await sleep(120);
  await client.flush();
  assert.equal(stored.history.get("system/cpu_utilization_percentage")!.length, count, "stopped");
  await client.close();
});

test("the first sample comes one interval after the start; none when off", async () => {
  const { client, runs } = fixture();
  const quick = await client.startRun({
    logSystemMetrics: true,
    systemMetrics: { intervalMs: 10_000 },
  });
  await quick.end();
  const plain = await client.startRun();
  await sleep(100);
  await plain.end();
  for (const r of runs()) {
    assert.equal([...r.history.keys()].some((k) => k.startsWith("system/")), false);
  }
  await client.close();
});

test("the client option turns it on for every run, and it stops on FAILED too", async () => {
  const { client, runs } = fixture({ logSystemMetrics: true });
  await client.withRun({}, async () => {
    await sleep(100);
  });
  await assert.rejects(client.withRun({}, async () => {
    await sleep(100);
    throw new Error("boom");
  }));
  for (const r of runs()) assert.ok(r.history.has("system/process_memory_rss_megabytes"));
  await client.close();
});

test("GPUs through a stand-in nvidia-smi on PATH: one GPU and two", async () => {
  const dir = mkdtempSync(join(tmpdir(), "nvsmi-"));
  const saved = process.env.PATH;
  try {
    for (
      const csv of [
        "37, 16384, 15360, 70.5, 300\n",
        "10, 8192, 7680, 50, 250\n90, 8192, 192, 240, 250\n",
      ]
    ) {
      const script = join(dir, "nvidia-smi");
      writeFileSync(
        script,
        `#!/bin/sh\necho "$@" > "${dir}/args"\nprintf '${csv.replace(/\n/g, "\\n")}'\n`,
      );
      chmodSync(script, 0o755);
      process.env.PATH = `${dir}${delimiter}${saved}`;
      const { client, runs } = fixture();
      const run = await client.startRun({ logSystemMetrics: true });
      await sleep(150);
      await run.end();
      const [stored] = runs();
      const expected = parseNvidiaSmi(csv);
      for (const [k, v] of Object.entries(expected)) {
        assert.equal(stored.latest.get(k)?.value, v, k);
      }
      const gpus = new Set(
        [...stored.history.keys()].filter((k) => /gpu_\d/.test(k)).map((k) => k.split("_")[1]),
      );
      assert.equal(gpus.size, csv.trim().split("\n").length);
      // NVML's figures: total and free (reserved memory counts as used), the enforced power limit.
      assert.match(
        readFileSync(join(dir, "args"), "utf8"),
        /--query-gpu=utilization\.gpu,memory\.total,memory\.free,power\.draw,enforced\.power\.limit /,
      );
      await client.close();
    }
  } finally {
    process.env.PATH = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});

test("nvidia-smi and rocm-smi outputs parse into MLflow's GPU keys", () => {
  assert.deepEqual(parseNvidiaSmi("37, 16384, 15360, 70.5, 300\n"), {
    "system/gpu_0_utilization_percentage": 37,
    "system/gpu_0_memory_usage_megabytes": 1024 * 1024 ** 2 / 1e6,
    "system/gpu_0_memory_usage_percentage": 6.25,
    "system/gpu_0_power_usage_watts": 70.5,
    "system/gpu_0_power_usage_percentage": 23.5,
  });
  assert.deepEqual(Object.keys(parseNvidiaSmi("1, 4, 2, [N/A], [N/A]\n")).sort(), [
    "system/gpu_0_memory_usage_megabytes",
    "system/gpu_0_memory_usage_percentage",
    "system/gpu_0_utilization_percentage",
  ]);
  // rocm-smi's JSON, as version 6 prints it for two cards: AMD GPUs under OICM's Python names.
  const rocm = JSON.stringify({
    card0: {
      "GPU use (%)": "12",
      "GPU Memory Allocated (VRAM%)": "30",
      "VRAM Total Used Memory (B)": String(3 * 1024 ** 3),
      "Temperature (Sensor edge) (C)": "51.0",
      "Current Socket Graphics Package Power (W)": "88.25",
      "sclk clock speed:": "(1700Mhz)",
      "mclk clock speed:": "(1200Mhz)",
    },
    card1: { "GPU use (%)": "99", "GPU Memory Allocated (VRAM%)": "80" },
  });
  assert.deepEqual(parseRocmSmi(rocm), {
    "system/amd_gpu_graphics_pipe_utilization": 12,
    "system/amd_gpu_vram_usage_percentage": 30,
    "system/amd_gpu_vram_usage": 3,
    "system/amd_gpu_temperature": 51,
    "system/amd_gpu_power": 88.25,
    "system/amd_gpu_sclk_max": 1700,
    "system/amd_gpu_mclk_max": 1200,
    "system/amd_gpu_1_graphics_pipe_utilization": 99,
    "system/amd_gpu_1_vram_usage_percentage": 80,
  });
});

test("MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING=true turns it on from the environment", async () => {
  const saved = process.env.MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING;
  process.env.MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING = "true";
  try {
    const { clientFromEnv } = await import("../src/client/env.ts");
    assert.equal(clientFromEnv({ apiHost: "http://x" }).logSystemMetrics, true);
  } finally {
    if (saved === undefined) delete process.env.MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING;
    else process.env.MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING = saved;
  }
});

test("GPU memory is NVML's total - free (reserved included) in MB, not nvidia-smi's memory.used in MiB", () => {
  // Under load MLflow's GPUMonitor logs 45862.6 MB (43738 MiB); nvidia-smi's memory.used said 43123.
  const load = parseNvidiaSmi(H200_UNDER_LOAD);
  const mb = (mib: number) => mib * 1024 * 1024 / 1e6;
  assert.equal(load["system/gpu_0_memory_usage_megabytes"], mb(NVML_USED_MIB.load));
  assert.equal(Math.round(load["system/gpu_0_memory_usage_megabytes"] * 10) / 10, 45862.6);
  assert.equal(
    load["system/gpu_0_memory_usage_percentage"],
    NVML_USED_MIB.load / 143771 * 100,
  );
  // Idle: the driver's 615 MiB reserved memory, where nvidia-smi's memory.used says 0.
  const idle = parseNvidiaSmi(H200_IDLE);
  assert.equal(idle["system/gpu_0_memory_usage_megabytes"], mb(NVML_USED_MIB.idle));
  assert.equal(idle["system/gpu_0_power_usage_percentage"], 76.12 / 700 * 100);
  const two = parseNvidiaSmi(TWO_CARDS);
  assert.equal(two["system/gpu_1_memory_usage_megabytes"], mb(16000));
  assert.equal(two["system/gpu_1_power_usage_watts"], undefined);
});

test("system memory is psutil's used (total - free - buffers - cached - reclaimable) in bytes", () => {
  // /proc/meminfo as a Linux machine prints it (kB).
  const meminfo = [
    "MemTotal:       16000000 kB",
    "MemFree:         2000000 kB",
    "MemAvailable:    9000000 kB",
    "Buffers:          500000 kB",
    "Cached:          6000000 kB",
    "SwapCached:            0 kB",
    "SReclaimable:     400000 kB",
  ].join("\n");
  assert.deepEqual(parseMeminfo(meminfo), {
    used: (16_000_000 - 2_000_000 - 500_000 - 6_000_000 - 400_000) * 1024,
    total: 16_000_000 * 1024,
  });
  // psutil's container fallback: a negative figure becomes total - free.
  assert.deepEqual(parseMeminfo("MemTotal: 100 kB\nMemFree: 60 kB\nCached: 80 kB\n"), {
    used: 40 * 1024,
    total: 100 * 1024,
  });
});

test("memory, disk and RSS figures are bytes / 1e6 (MLflow's megabytes), not bytes / 2^20", async () => {
  const { client, runs } = fixture();
  const run = await client.startRun({ logSystemMetrics: true });
  await sleep(150);
  const rss = process.memoryUsage().rss;
  await run.end();
  const [stored] = runs();
  const v = (k: string) => stored.latest.get(k)!.value;
  // MLflow's DiskMonitor: psutil.disk_usage("/"): used = (blocks - bfree) * size, free = bavail * size.
  const s = statfsSync("/");
  const near = (got: number, want: number, tolerance: number, what: string) =>
    assert.ok(Math.abs(got / want - 1) < tolerance, `${what}: ${got} against ${want}`);
  near(v("system/disk_usage_megabytes"), (s.blocks - s.bfree) * s.bsize / 1e6, 0.005, "disk used");
  near(v("system/disk_available_megabytes"), s.bavail * s.bsize / 1e6, 0.005, "disk free");
  // MiB would read 4.9 % lower: a 2 % band tells the units apart.
  near(v("system/process_memory_rss_megabytes"), rss / 1e6, 0.02, "rss");
  const mem = parseMeminfo(readFileSync("/proc/meminfo", "utf8"))!;
  near(v("system/system_memory_usage_megabytes"), mem.used / 1e6, 0.02, "memory used");
  await client.close();
});
