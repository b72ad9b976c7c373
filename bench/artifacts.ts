/**
 * Large artifacts, side by side with `curl` moving the same file to the same
 * server: upload and download speed (ours as a fraction of curl's, target
 * ≥ 0.8×) and the client's peak RSS above its warm baseline (target < 100 MB),
 * against the fake server in its own process (files on disk) and a real
 * `mlflow server --serve-artifacts`.
 */
import { execFileSync, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Row } from "./row.ts";

const MiB = 2 ** 20;

/** A file of `size` bytes that no layer can compress away. */
function bigFile(dir: string, size: number): string {
  const path = join(dir, "artifact.bin");
  const chunk = new Uint8Array(MiB);
  let x = 2463534242;
  for (let i = 0; i < chunk.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    chunk[i] = x & 0xff;
  }
  const fd = openSync(path, "w");
  for (let written = 0; written < size; written += MiB) {
    chunk[0] = written / MiB; // each MiB differs
    writeSync(fd, chunk);
  }
  closeSync(fd);
  return path;
}

interface Child {
  runId: string;
  artifactRoot: string;
  upMs: number;
  downMs: number;
  baselineMb: number;
  upPeakMb: number;
  downPeakMb: number;
}

/** curl's wall time; a download goes to a file on the same disk as ours (then removed). */
function curlMs(args: string[], download?: string): number {
  const t0 = performance.now();
  execFileSync("curl", ["-sS", "-f", "-o", download ?? "/dev/null", ...args]);
  const ms = performance.now() - t0;
  if (download !== undefined) rmSync(download, { force: true });
  return ms;
}

/** Ours (in a child process) then curl, `reps` times; medians. */
function measure(server: string, file: string, dir: string, reps: number) {
  const ours: Child[] = [];
  const curl: { up: number; down: number }[] = [];
  let root: string | undefined;
  const runCurl = () => {
    const url = `${server}/api/2.0/mlflow-artifacts/artifacts/${root}/curl-copy.bin`;
    curl.push({
      up: curlMs(["-T", file, url]),
      down: curlMs([url], join(dir, "curl-download.bin")),
    });
  };
  for (let i = 0; i < reps; i++) {
    // Alternate who goes first, so neither always meets a warmer server or page cache.
    const curlFirst = i % 2 === 1 && root !== undefined;
    if (curlFirst) runCurl();
    const dst = mkdtempSync(join(dir, "dl-"));
    const out = execFileSync(Deno.execPath(), [
      "run",
      "-A",
      "bench/artifact_child.ts",
      server,
      file,
      dst,
      join(dir, "spool"),
    ], { encoding: "utf8", maxBuffer: 1 << 20 });
    rmSync(dst, { recursive: true, force: true });
    const child = JSON.parse(out.trim().split("\n").pop()!) as Child;
    ours.push(child);
    root = child.artifactRoot;
    if (!curlFirst) runCurl();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    upMs: median(ours.map((o) => o.upMs)),
    downMs: median(ours.map((o) => o.downMs)),
    upPeakMb: Math.max(...ours.map((o) => o.upPeakMb)),
    downPeakMb: Math.max(...ours.map((o) => o.downPeakMb)),
    baselineMb: median(ours.map((o) => o.baselineMb)),
    curlUpMs: median(curl.map((c) => c.up)),
    curlDownMs: median(curl.map((c) => c.down)),
  };
}

function rowsFor(
  section: string,
  server: string,
  size: number,
  m: ReturnType<typeof measure>,
): Row[] {
  const mb = size / MiB;
  const speed = (ms: number) => mb / (ms / 1000);
  const out: Row[] = [];
  for (
    const [dir, ours, peer, peak] of [
      ["upload", m.upMs, m.curlUpMs, m.upPeakMb],
      ["download", m.downMs, m.curlDownMs, m.downPeakMb],
    ] as const
  ) {
    const ratio = speed(ours) / speed(peer);
    out.push({
      section,
      what: `${mb} MiB artifact ${dir}, ${server}`,
      n: mb,
      ours: speed(ours),
      peer: speed(peer),
      peerName: "curl, same file, same server",
      unit: "MiB/s",
      ratio,
      target: ">= 0.8x curl",
      met: ratio >= 0.8,
    });
    out.push({
      section,
      what: `${mb} MiB artifact ${dir}: peak RSS above baseline`,
      n: mb,
      ours: peak,
      unit: "MB",
      target: "< 100 MB",
      met: peak < 100,
      note: `warm baseline ${m.baselineMb} MB`,
    });
  }
  return out;
}

async function waitFor(url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`${url} did not answer`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** The artifact rows: the fake server in another process, then a real mlflow server if there is a Python with mlflow. */
export async function benchArtifacts(smoke: boolean, python: string | undefined): Promise<Row[]> {
  try {
    execFileSync("curl", ["--version"]);
  } catch {
    console.log("skipping the artifact rows: no curl to compare with");
    return [];
  }
  const size = smoke ? 64 * MiB : 1024 * MiB;
  const reps = smoke ? 1 : 5;
  const dir = mkdtempSync(join(tmpdir(), "artifact-bench-"));
  const rows: Row[] = [];
  try {
    const file = bigFile(dir, size);
    // The fake server, its files on disk.
    const fake = spawn(Deno.execPath(), [
      "run",
      "-A",
      "bench/server_process.ts",
      "0",
      join(dir, "fake-artifacts"),
    ], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        fake.stdout!.on("data", (d: Uint8Array) => {
          const m = /READY (\S+)/.exec(new TextDecoder().decode(d));
          if (m) resolve(m[1]);
        });
        fake.once("exit", () => reject(new Error("the fake server exited")));
      });
      rows.push(...rowsFor("5 artifacts", "fake server", size, measure(url, file, dir, reps)));
    } finally {
      fake.kill();
    }
    if (python === undefined) {
      console.log("skipping the real-MLflow artifact rows: no Python with mlflow");
      return rows;
    }
    const port = 5000 + Math.floor(Math.random() * 1000);
    const mlflow = spawn(python.replace(/python3?$/, "mlflow"), [
      "server",
      "--backend-store-uri",
      `sqlite:///${dir}/mlflow.db`,
      "--serve-artifacts",
      "--artifacts-destination",
      `${dir}/mlartifacts`,
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--workers",
      "1",
    ], { stdio: "ignore" });
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitFor(`${url}/health`, 120_000);
      rows.push(...rowsFor("5 artifacts", "mlflow server", size, measure(url, file, dir, reps)));
    } finally {
      mlflow.kill();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
