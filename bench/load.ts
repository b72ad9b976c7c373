/**
 * Under load: many training processes at once on one real `mlflow server`
 * (sqlite, `--workers 2`), each logging into its own run; ours
 * (`tests/fixtures/load_child.ts`) and MLflow's Python `MlflowClient.log_batch`
 * (1,000 points a request, `bench/python_load.py`), each on a fresh server
 * left to settle, in the same run; and in full runs raw `fetch`, one request
 * at a time (`bench/raw_load_child.ts`: what the server takes from a client
 * with no overhead). Prints wall time, runs delivered whole and points
 * delivered (counted in MLflow's database) side by side. A single process on an idle
 * server is section 2's row (1M points vs raw batched fetch).
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Row } from "./row.ts";
import { mlflowPython, startMlflowServer } from "./processes.ts";

interface Outcome {
  seconds: number;
  /** Processes that exited 0. */
  ok: number;
  /** Runs whose every point arrived exactly once. */
  whole: number;
  /** Points in MLflow's database, over all runs. */
  points: number;
  /** The first failure a process printed, if any. */
  failure?: string;
}

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  const child = spawn("nice", ["-n", "10", cmd, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => out += d);
  child.stderr!.on("data", (d) => out += d);
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code: code ?? -1, out })));
}

/**
 * Resolves once the machine is quiet (under 30% busy over a second, or after
 * 20 s): a fresh `mlflow server` keeps starting its job runners for seconds
 * after `/health` answers, and that work is neither client's.
 */
async function settled(): Promise<void> {
  const busy = (): [number, number] => {
    const fields = Deno.readTextFileSync("/proc/stat").split("\n")[0].trim().split(/\s+/)
      .slice(1).map(Number);
    const idle = fields[3] + fields[4];
    return [fields.reduce((a, b) => a + b, 0) - idle, idle];
  };
  const deadline = Date.now() + 20_000;
  try {
    while (Date.now() < deadline) {
      const [b0, i0] = busy();
      await new Promise((r) => setTimeout(r, 1000));
      const [b1, i1] = busy();
      if ((b1 - b0) / Math.max(1, b1 - b0 + i1 - i0) < 0.3) return;
    }
  } catch {
    await new Promise((r) => setTimeout(r, 10_000)); // no /proc: give it ten seconds
  }
}

/** Points and distinct steps of each run, from MLflow's sqlite database. */
function counts(python: string, db: string): [string, number, number][] {
  return JSON.parse(execFileSync(python, [
    "-c",
    "import json, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print(json.dumps(" +
    'c.execute("select r.name, count(m.step), count(distinct m.step) from runs r ' +
    'left join metrics m on m.run_uuid = r.run_uuid group by r.run_uuid").fetchall()))',
    db,
  ], { encoding: "utf8" }));
}

/** `processes` clients of one kind at once on a fresh server. */
async function trial(
  python: string,
  which: "ours" | "python" | "raw",
  processes: number,
  points: number,
): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), "load-bench-"));
  const server = await startMlflowServer(
    python,
    dir,
    ["--default-artifact-root", `${dir}/artifacts`],
    2,
  );
  try {
    const res = await fetch(`${server.url}/api/2.0/mlflow/experiments/create`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: "load" }),
    });
    const { experiment_id: experimentId } = await res.json();
    await settled();
    const t0 = performance.now();
    const results = await Promise.all(
      Array.from({ length: processes }, (_, i) =>
        which === "ours"
          ? run(Deno.execPath(), [
            "run",
            "-A",
            "tests/fixtures/load_child.ts",
            server.url,
            "load",
            `p${i}`,
            String(points),
            join(dir, `spool${i}`),
          ])
          : which === "raw"
          ? run(Deno.execPath(), [
            "run",
            "-A",
            "bench/raw_load_child.ts",
            server.url,
            experimentId,
            `p${i}`,
            String(points),
          ])
          : run(python, [
            "bench/python_load.py",
            server.url,
            experimentId,
            `p${i}`,
            String(points),
          ])),
    );
    const seconds = (performance.now() - t0) / 1000;
    const runs = counts(python, join(dir, "mlflow.db")).filter(([name]) => /^p\d+$/.test(name));
    return {
      seconds,
      ok: results.filter((r) => r.code === 0).length,
      whole: runs.filter(([, n, steps]) => n === points && steps === points).length,
      points: runs.reduce((sum, [, n]) => sum + n, 0),
      failure: results.find((r) => r.code !== 0)?.out.split("\n").find((l) =>
        l.startsWith("FAILED")
      )?.slice(0, 200),
    };
  } finally {
    server.stop();
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dir, { recursive: true, force: true });
  }
}

const describe = (o: Outcome, processes: number) =>
  `${o.seconds.toFixed(1)} s, ${o.ok}/${processes} processes ok, ${o.whole}/${processes} runs ` +
  `whole, ${o.points} points${o.failure ? `; first failure: ${o.failure}` : ""}`;

/** The load rows: 32 and 8 processes (smoke: 3 processes, 1,000 points each). */
export async function benchLoad(smoke: boolean, python: string | undefined): Promise<Row[]> {
  if (python === undefined) {
    console.log("skipping the load part: no Python with mlflow (set MLFLOW_PYTHON, or make .venv)");
    return [];
  }
  const sizes: [number, number, string, (ours: Outcome, py: Outcome) => boolean][] = smoke
    ? [[3, 1_000, "everything delivered", (o) => o.whole === 3]]
    : [
      [
        32,
        20_000,
        "all delivered, wall <= python's",
        (o, p) => o.whole === 32 && o.seconds <= p.seconds,
      ],
      [
        8,
        20_000,
        "all delivered, >= 2x faster",
        (o, p) => o.whole === 8 && p.seconds / o.seconds >= 2,
      ],
    ];
  const rows: Row[] = [];
  for (const [processes, points, target, met] of sizes) {
    const ours = await trial(python, "ours", processes, points);
    const py = await trial(python, "python", processes, points);
    // What the server takes from a client with no overhead at all (not in smoke runs).
    const raw = smoke ? undefined : await trial(python, "raw", processes, points);
    rows.push({
      section: "5 under load",
      what: `${processes} processes x ${points} points, mlflow sqlite 2 workers`,
      n: processes * points,
      ours: ours.seconds,
      peer: py.seconds,
      peerName: "python MlflowClient.log_batch, 1000/request",
      unit: "s wall",
      ratio: py.seconds / ours.seconds,
      target,
      met: met(ours, py),
      note: `ratio = how many times faster ours is; ours: ${describe(ours, processes)}; ` +
        `python: ${describe(py, processes)}` +
        (raw ? `; raw fetch, one request at a time: ${describe(raw, processes)}` : ""),
    });
  }
  return rows;
}

// Alone: deno run -A --config tests/deno.json bench/load.ts [--smoke]
if (import.meta.main) {
  for (const row of await benchLoad(Deno.args.includes("--smoke"), mlflowPython())) {
    console.log(JSON.stringify(row));
  }
}
