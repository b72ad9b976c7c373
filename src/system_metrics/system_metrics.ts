/**
 * System metrics while a run is open, under MLflow's names: CPU, memory,
 * disk, network, this process's RSS, and NVIDIA (`nvidia-smi`) or AMD
 * (`rocm-smi`) GPUs when their tool is on PATH. The first sample comes one
 * interval after the run starts (CPU needs a baseline); steps count 0, 1, 2...
 * Timers never keep the process alive; a missing permission or tool turns
 * that metric off with one warning.
 *
 * Why it is long: one sampler per source (CPU, memory, disk, network, NVIDIA
 * and AMD GPUs) with their platform fallbacks, each short.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { readFile, statfs } from "node:fs/promises";
import { cpus, freemem, totalmem } from "node:os";
import { parse } from "node:path";
import process from "node:process";
import { unrefTimer } from "../core/timers.ts";

/**
 * How a run's system metrics are sampled.
 *
 * @example
 * ```ts
 * import type { SystemMetricsOptions } from "@oicm/tracking";
 * const every5s: SystemMetricsOptions = { intervalMs: 5_000 };
 * ```
 */
export interface SystemMetricsOptions {
  /** Time between samples, in ms. Default 10 000, as MLflow. */
  intervalMs?: number;
  /**
   * This machine's name among several logging into one run: keys become
   * `system/<nodeId>/...` so their samples do not collide (MLflow's
   * `MLFLOW_SYSTEM_METRICS_NODE_ID`, which `fromEnv()` reads).
   */
  nodeId?: string;
}

/** Where samples go. */
export interface SampleSink {
  logMetrics(metrics: Record<string, number>, options: { step: number }): void;
}

/** MLflow's monitors log every `*_megabytes` figure as bytes / 1e6 (decimal megabytes). */
const MB = 1e6;

/** nvidia-smi answers in MiB (with `nounits`). */
const MIB = 1024 * 1024;

function cpuTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/** Bytes received and sent by every interface, loopback included (as psutil's `net_io_counters`). */
async function networkBytes(): Promise<{ rx: number; tx: number }> {
  const text = await readFile("/proc/net/dev", "utf8");
  let rx = 0;
  let tx = 0;
  for (const line of text.split("\n").slice(2)) {
    const [, rest] = line.split(":");
    if (!rest) continue;
    const f = rest.trim().split(/\s+/).map(Number);
    rx += f[0];
    tx += f[8];
  }
  return { rx, tx };
}

/**
 * Used and total memory from `/proc/meminfo`'s text, as psutil's
 * `virtual_memory()` (which MLflow logs) computes them on Linux:
 * `used = total - free - buffers - (cached + reclaimable slab)`, or
 * `total - free` when that is negative (some containers).
 */
export function parseMeminfo(text: string): { used: number; total: number } | undefined {
  const kb = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(text);
    return m === null ? undefined : Number(m[1]) * 1024;
  };
  const total = kb("MemTotal");
  const free = kb("MemFree");
  if (total === undefined || free === undefined) return undefined;
  const cached = (kb("Cached") ?? 0) + (kb("SReclaimable") ?? 0);
  const used = total - free - (kb("Buffers") ?? 0) - cached;
  return { used: used < 0 ? total - free : used, total };
}

async function memory(): Promise<{ used: number; total: number }> {
  try {
    const parsed = parseMeminfo(await readFile("/proc/meminfo", "utf8"));
    if (parsed !== undefined) return parsed;
  } catch { /* not Linux: os module below */ }
  return { used: totalmem() - freemem(), total: totalmem() };
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { timeout: 5_000 },
      (err, stdout) => err ? reject(err) : resolve(String(stdout)),
    );
  });
}

/**
 * Parses `nvidia-smi --query-gpu=utilization.gpu,memory.total,memory.free,power.draw,enforced.power.limit
 * --format=csv,noheader,nounits` into what MLflow's `GPUMonitor` logs from NVML:
 * memory used is `total - free` (reserved memory included, which nvidia-smi's own
 * `memory.used` leaves out), converted from MiB to MLflow's megabytes (bytes / 1e6).
 */
export function parseNvidiaSmi(csv: string): Record<string, number> {
  const out: Record<string, number> = {};
  csv.trim().split("\n").filter((l) => l.trim()).forEach((line, i) => {
    const [util, totalMib, freeMib, power, limit] = line.split(",").map((s) => Number(s.trim()));
    const put = (k: string, v: number) => {
      if (Number.isFinite(v)) out[`system/gpu_${i}_${k}`] = v;
    };
    const usedMib = totalMib - freeMib;
    put("utilization_percentage", util);
    put("memory_usage_megabytes", usedMib * MIB / MB);
    put("memory_usage_percentage", totalMib > 0 ? usedMib / totalMib * 100 : NaN);
    put("power_usage_watts", power);
    put("power_usage_percentage", limit > 0 ? power / limit * 100 : NaN);
  });
  return out;
}

/**
 * Parses `rocm-smi --showuse --showmemuse --showtemp --showpower --showclocks
 * --showmeminfo vram --json` into the names OICM's Python client gives AMD
 * GPUs (`amd_gpu_*`, its `AMDGPUMonitor`); a second card's keys carry its
 * index (`amd_gpu_1_*`). What a card does not report is left out.
 */
export function parseRocmSmi(json: string): Record<string, number> {
  const out: Record<string, number> = {};
  const cards = JSON.parse(json) as Record<string, Record<string, string>>;
  const num = (v: string | undefined) => v === undefined ? NaN : Number(/-?[\d.]+/.exec(v)?.[0]);
  const find = (card: Record<string, string>, pattern: RegExp) =>
    Object.entries(card).find(([k]) => pattern.test(k))?.[1];
  Object.keys(cards).filter((k) => /^card\d+$/.test(k)).sort().forEach((name, i) => {
    const card = cards[name];
    const prefix = i === 0 ? "system/amd_gpu_" : `system/amd_gpu_${i}_`;
    const put = (k: string, v: number) => {
      if (Number.isFinite(v)) out[prefix + k] = v;
    };
    put("graphics_pipe_utilization", num(find(card, /^GPU use \(%\)$/)));
    put("vram_usage", num(find(card, /^VRAM Total Used Memory \(B\)$/)) / 1024 ** 3);
    put(
      "vram_usage_percentage",
      num(find(card, /^GPU Memory Allocated \(VRAM%\)$|^GPU memory use \(%\)$/)),
    );
    put("temperature", num(find(card, /^Temperature \(Sensor (edge|junction)\) \(C\)$/)));
    put("power", num(find(card, /Graphics Package Power \(W\)$/)));
    put("sclk_max", num(find(card, /^sclk clock (speed|level)/)));
    put("mclk_max", num(find(card, /^mclk clock (speed|level)/)));
  });
  return out;
}

const ROCM_ARGS = [
  "--showuse",
  "--showmemuse",
  "--showtemp",
  "--showpower",
  "--showclocks",
  "--showmeminfo",
  "vram",
  "--json",
];

const NVIDIA_ARGS = [
  "--query-gpu=utilization.gpu,memory.total,memory.free,power.draw,enforced.power.limit",
  "--format=csv,noheader,nounits",
];

/** Samples system metrics into a run until stopped. */
export class SystemMonitor {
  readonly #sink: SampleSink;
  /** Told once per metric that had to be turned off, and why. */
  readonly #notify: (message: string) => void;
  readonly #intervalMs: number;
  readonly #nodeId: string | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #step = 0;
  #cpu: { idle: number; total: number } = { idle: 0, total: 0 };
  #net: { rx: number; tx: number } | undefined;
  readonly #off = new Set<string>();
  #gpu: "nvidia" | "amd" | "none" | undefined;
  #sampling: Promise<void> | undefined;
  #stopped = false;

  /** Starts sampling into `sink` every `intervalMs` (first sample after one interval). */
  constructor(
    sink: SampleSink,
    options: SystemMetricsOptions = {},
    notify: (message: string) => void = (m) => console.warn(`[tracking] ${m}`),
  ) {
    this.#sink = sink;
    this.#notify = notify;
    this.#intervalMs = options.intervalMs ?? 10_000;
    this.#nodeId = options.nodeId;
    try {
      this.#cpu = cpuTimes(); // the baseline; a missing permission turns CPU off, never throws
    } catch (err) {
      this.#disable("cpu", err);
    }
    networkBytes().then((n) => this.#net = n, (err) => this.#disable("network", err));
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#sampling = this.#sample().finally(() => {
        this.#sampling = undefined;
        this.#schedule();
      });
    }, this.#intervalMs);
    unrefTimer(this.#timer);
  }

  #disable(what: string, err: unknown): void {
    if (this.#off.has(what)) return;
    this.#off.add(what);
    const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
    this.#notify(`system metric '${what}' is off: ${reason}`);
  }

  async #part(
    what: string,
    fn: () => Promise<Record<string, number>> | Record<string, number>,
  ): Promise<Record<string, number>> {
    if (this.#off.has(what)) return {};
    try {
      return await fn();
    } catch (err) {
      this.#disable(what, err);
      return {};
    }
  }

  async #gpus(): Promise<Record<string, number>> {
    if (this.#gpu === undefined) {
      this.#gpu = await run("nvidia-smi", NVIDIA_ARGS).then(
        () => "nvidia" as const,
        () =>
          run("rocm-smi", ROCM_ARGS).then(
            () => "amd" as const,
            () => "none" as const,
          ),
      );
    }
    if (this.#gpu === "nvidia") return parseNvidiaSmi(await run("nvidia-smi", NVIDIA_ARGS));
    if (this.#gpu === "amd") {
      return parseRocmSmi(await run("rocm-smi", ROCM_ARGS));
    }
    return {};
  }

  /** Takes one sample now and logs it at the next step. */
  async #sample(): Promise<void> {
    const values: Record<string, number> = {};
    Object.assign(
      values,
      await this.#part("cpu", (): Record<string, number> => {
        const now = cpuTimes();
        const total = now.total - this.#cpu.total;
        const busy = total - (now.idle - this.#cpu.idle);
        this.#cpu = now;
        return total > 0 ? { "system/cpu_utilization_percentage": busy / total * 100 } : {};
      }),
      await this.#part("memory", async () => {
        const m = await memory();
        return {
          "system/system_memory_usage_megabytes": m.used / MB,
          "system/system_memory_usage_percentage": m.used / m.total * 100,
        };
      }),
      await this.#part("disk", async () => {
        // MLflow's DiskMonitor reads the file system of the root (`psutil.disk_usage(os.sep)`).
        const s = await statfs(parse(process.cwd()).root);
        const total = s.blocks * s.bsize;
        const available = s.bavail * s.bsize;
        const used = total - s.bfree * s.bsize;
        return {
          "system/disk_usage_megabytes": used / MB,
          "system/disk_available_megabytes": available / MB,
          "system/disk_usage_percentage": used / (used + available) * 100,
        };
      }),
      await this.#part("network", async () => {
        const now = await networkBytes();
        const base = this.#net ?? now;
        return {
          "system/network_receive_megabytes": (now.rx - base.rx) / MB,
          "system/network_transmit_megabytes": (now.tx - base.tx) / MB,
        };
      }),
      await this.#part("process", () => ({
        "system/process_memory_rss_megabytes": process.memoryUsage().rss / MB,
      })),
      await this.#part("gpu", () => this.#gpus()),
    );
    if (this.#stopped || Object.keys(values).length === 0) return;
    const node = this.#nodeId;
    const named = node === undefined ? values : Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k.replace(/^system\//, `system/${node}/`), v]),
    );
    try {
      this.#sink.logMetrics(named, { step: this.#step++ });
    } catch (err) {
      this.#disable("logging", err);
    }
  }

  /** Stops sampling; resolves once a sample in progress is done. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#sampling;
  }
}
