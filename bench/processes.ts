/**
 * The servers the benchmarks start in processes of their own: the fake MLflow
 * server (`server_process.ts`) and a real `mlflow server` from a Python with
 * mlflow; and the version of a tool, for the table's header.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import process from "node:process";

/** The first line a tool prints for `args`, or `absent`. */
export function version(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8" }).trim().split("\n")[0];
  } catch {
    return "absent";
  }
}

/** A Python with mlflow, if there is one (MLFLOW_PYTHON, or .venv). */
export function mlflowPython(): string | undefined {
  const python = process.env.MLFLOW_PYTHON ??
    (existsSync(".venv/bin/python") ? ".venv/bin/python" : undefined);
  return python === undefined ||
      version(python, ["-c", "import mlflow; print(mlflow.__version__)"]) === "absent"
    ? undefined
    : python;
}

/** The fake server in its own process. */
export interface ServerProcess {
  url: string;
  count(run: string, key: string): Promise<{ points: number; steps: number }>;
  stop(): void;
}

/** Starts `bench/server_process.ts` (answers slowed by `latencyMs`; artifact files in `artifactsDir`). */
export function startServerProcess(latencyMs = 0, artifactsDir?: string): Promise<ServerProcess> {
  const args = ["run", "-A", "bench/server_process.ts", String(latencyMs)];
  if (artifactsDir !== undefined) args.push(artifactsDir);
  const child = spawn(Deno.execPath(), args, { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /READY (\S+) (\S+)/.exec(out);
      if (!m) return;
      resolve({
        url: m[1],
        count: async (run, key) =>
          await (await fetch(`${m[2]}/count?run=${run}&key=${key}`)).json(),
        stop: () => child.kill(),
      });
    });
    child.on("exit", (code) => reject(new Error(`server process exited (${code})`)));
  });
}

/**
 * Starts `mlflow server` (sqlite in `dir`, `workers` workers (default one), a
 * free-ish port) with `storage` naming where artifacts go, and resolves once
 * `/health` answers. `stop()` ends it and its workers.
 */
export async function startMlflowServer(
  python: string,
  dir: string,
  storage: string[],
  workers = 1,
): Promise<{ url: string; stop(): void }> {
  const port = 5000 + Math.floor(Math.random() * 1000);
  const server = spawn(python.replace(/python3?$/, "mlflow"), [
    "server",
    "--backend-store-uri",
    `sqlite:///${dir}/mlflow.db`,
    ...storage,
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--workers",
    String(workers),
  ], {
    stdio: "ignore",
    env: { ...process.env, MLFLOW_ALLOW_FILE_STORE: "true" },
    detached: true, // a process group of its own: stop() ends its workers too
  });
  const stop = () => {
    try {
      process.kill(-server.pid!, "SIGKILL"); // its job runners outlive a SIGTERM
    } catch {
      server.kill();
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) {
      stop();
      throw new Error("mlflow server did not start");
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { url, stop };
}
