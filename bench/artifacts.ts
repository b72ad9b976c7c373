/**
 * Large artifacts, side by side with `curl` moving the same file to the same
 * server: upload and download speed (ours as a fraction of curl's, target
 * ≥ 0.8×) and the client's peak RSS above its warm baseline (target < 100 MB),
 * against the fake server in its own process (files on disk) and a real
 * `mlflow server --serve-artifacts`.
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Row } from "./row.ts";
import { startMlflowServer, startServerProcess } from "./processes.ts";

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
    const fake = await startServerProcess(0, join(dir, "fake-artifacts"));
    try {
      rows.push(...rowsFor("6 artifacts", "fake server", size, measure(fake.url, file, dir, reps)));
    } finally {
      fake.stop();
    }
    if (python === undefined) {
      console.log("skipping the real-MLflow artifact rows: no Python with mlflow");
      return rows;
    }
    const mlflow = await startMlflowServer(python, dir, [
      "--serve-artifacts",
      "--artifacts-destination",
      `${dir}/mlartifacts`,
    ]);
    try {
      const url = mlflow.url;
      rows.push(...rowsFor("6 artifacts", "mlflow server", size, measure(url, file, dir, reps)));
    } finally {
      mlflow.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
