/**
 * The real case: many training processes at once on one real `mlflow server`
 * (sqlite, `--workers 2`, MLflow's default database pool), each logging thousands of
 * points into its own run. Every process succeeds and every point arrives
 * exactly once (counted in MLflow's own database). Sized to a 2-core machine.
 *
 * Needs a Python with mlflow: MLFLOW_PYTHON (CI sets it), else .venv/bin/python.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { runScript } from "./fixtures/runtime.ts";

const python = process.env.MLFLOW_PYTHON ??
  (existsSync(".venv/bin/python") ? ".venv/bin/python" : "");
const why = python === ""
  ? " (ignored here: needs a Python with mlflow; set MLFLOW_PYTHON, e.g. MLFLOW_PYTHON=.venv/bin/python)"
  : "";

const PROCESSES = 16;
const POINTS = 4000;

async function startServer(dir: string): Promise<{ url: string; proc: ChildProcess }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const proc = spawn(python, [
    "-m",
    "mlflow",
    "server",
    "--backend-store-uri",
    `sqlite:///${dir}/mlflow.db`,
    "--default-artifact-root",
    join(dir, "artifacts"),
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--workers",
    "2",
  ], {
    stdio: "ignore",
    detached: true, // its own process group: the workers stop with it
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, proc };
    } catch { /* not up yet */ }
    if (Date.now() > deadline || proc.exitCode !== null) {
      stop(proc);
      throw new Error(`mlflow server did not start (exit ${proc.exitCode})`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Stops the server and its workers (its process group). */
function stop(proc: ChildProcess): void {
  try {
    process.kill(-proc.pid!, "SIGKILL"); // its job runners outlive a SIGTERM
  } catch {
    proc.kill();
  }
}

function runChild(args: string[]): Promise<{ code: number; out: string }> {
  const [cmd, argv] = runScript("tests/fixtures/load_child.ts", ...args);
  const proc = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout!.on("data", (d) => out += d);
  proc.stderr!.on("data", (d) => out += d);
  return new Promise((resolve) => proc.on("exit", (code) => resolve({ code: code ?? -1, out })));
}

Deno.test({
  name: `${PROCESSES} processes x ${POINTS} points on a real mlflow server (sqlite, 2 workers): ` +
    `every process succeeds, every point arrives exactly once${why}`,
  ignore: python === "" && !process.env.CI, // CI always provides it (.ci/run)
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    if (python === "") throw new Error("CI must set MLFLOW_PYTHON (a Python with mlflow)");
    const dir = mkdtempSync(join(tmpdir(), "load-mlflow-"));
    const { url, proc } = await startServer(dir);
    try {
      const results = await Promise.all(
        Array.from(
          { length: PROCESSES },
          (_, i) => runChild([url, "load", `p${i}`, String(POINTS), join(dir, `spool${i}`)]),
        ),
      );
      for (const r of results) assert.equal(r.code, 0, r.out);
      for (const r of results) assert.match(r.out, /DONE/);
      // Counted in MLflow's own database: each run, its points, and its distinct steps.
      const counts = JSON.parse(execFileSync(python, [
        "-c",
        "import json, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print(json.dumps(" +
        'c.execute("select r.name, r.status, count(m.step), count(distinct m.step) from runs r ' +
        'left join metrics m on m.run_uuid = r.run_uuid group by r.run_uuid").fetchall()))',
        join(dir, "mlflow.db"),
      ], { encoding: "utf8" })) as [string, string, number, number][];
      const ours = counts.filter(([name]) => /^p\d+$/.test(name));
      assert.equal(ours.length, PROCESSES, "one run per process, none twice");
      for (const [name, status, points, steps] of ours) {
        assert.deepEqual([name, status, points, steps], [name, "FINISHED", POINTS, POINTS]);
      }
    } finally {
      stop(proc);
      await new Promise((r) => setTimeout(r, 300));
      rmSync(dir, { recursive: true, force: true });
    }
  },
});
