/**
 * At exit, nothing logged is lost and no run is left RUNNING: a real child
 * process logs 15 points over 300 ms (fewer than one flush interval), then
 * throws, leaves a rejection unhandled, calls `process.exit()` / `Deno.exit()`
 * or simply ends, without `close()`. Offline, the points and the end are in
 * the store; online, in the spool, and `sync` delivers them. The user's error
 * still ends the process non-zero with its stack printed. Deno and Bun here;
 * Node in `.ci/node/consumer/exit.mjs`.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import process from "node:process";
import { join } from "node:path";
import { TrackingClient } from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";

const SCRIPT = new URL("./fixtures/exit_script.ts", import.meta.url).pathname;

type Runtime = "deno" | "bun";

function run(runtime: Runtime, args: string[]): Promise<{ code: number; out: string }> {
  const [cmd, pre] = runtime === "deno" ? [Deno.execPath(), ["run", "-A"]] : ["bun", []];
  const child = spawn(cmd, [...pre, SCRIPT, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...Deno.env.toObject(), NO_COLOR: "1" },
  });
  let out = "";
  child.stdout.on("data", (d) => out += d);
  child.stderr.on("data", (d) => out += d);
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(killer);
      resolve({ code: code ?? -1, out });
    })
  );
}

/** What each way of leaving must end as: the exit code's sign, the status, what stderr shows. */
const MODES: Record<string, { failed: boolean; status: string; says?: RegExp }> = {
  throw: { failed: true, status: "FAILED", says: /boom after training[\s\S]*exit_script\.ts/ },
  reject: { failed: true, status: "FAILED", says: /rejected after training/ },
  exit0: { failed: false, status: "FINISHED" },
  exit3: { failed: true, status: "FAILED" },
  denoexit: { failed: false, status: "FINISHED" },
  clean: { failed: false, status: "FINISHED" },
};

async function offlineCase(runtime: Runtime, mode: string): Promise<void> {
  const expected = MODES[mode];
  const dir = mkdtempSync(join(tmpdir(), `exit-${mode}-`));
  try {
    const { code, out } = await run(runtime, [mode, dir]);
    assert.equal(code !== 0, expected.failed, `${runtime} ${mode}: exit code ${code}\n${out}`);
    if (expected.says) assert.match(out, expected.says, "the user's error is printed");
    const runId = /logged (\w+)/.exec(out)![1];
    const client = new TrackingClient({ offline: true, storagePath: dir, onNotice: () => {} });
    const stored = await client.getRun(runId);
    assert.equal(stored.info.status, expected.status, `${runtime} ${mode}`);
    assert.ok(stored.info.endTime! >= stored.info.startTime);
    assert.deepEqual(stored.data.params, { lr: "0.1" });
    assert.equal((await client.getMetricHistory(runId, "loss")).length, 15, `${runtime} ${mode}`);
    await client.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function onlineCase(
  runtime: Runtime,
  mode: string,
  via: "sync" | "next start" = "sync",
): Promise<void> {
  const expected = MODES[mode];
  const server = new FakeMlflowServer();
  const { url } = await server.listen();
  const spool = mkdtempSync(join(tmpdir(), `exit-spool-${mode}-`));
  try {
    const { code, out } = await run(runtime, [mode, url, spool]);
    assert.equal(code !== 0, expected.failed, `${runtime} ${mode}: exit code ${code}\n${out}`);
    if (expected.says) assert.match(out, expected.says);
    assert.match(out, /at exit: .* written to .*cli sync/, "says where and how to send them");
    const runId = /logged (\w+)/.exec(out)![1];
    if (via === "sync") {
      // What the exit wrote into the spool goes with `sync`, as `cli sync <spool> --to <url>`.
      const local = new TrackingClient({ offline: true, storagePath: spool, onNotice: () => {} });
      await local.sync({ to: { apiHost: url } });
      await local.close();
    } else {
      // The next script with this server and spool sends it (its close() at the latest).
      const next = new TrackingClient({ apiHost: url, spoolPath: spool, onNotice: () => {} });
      await next.setExperiment("exits");
      const other = await next.startRun({ runName: "next" });
      await other.end();
      await next.close();
    }
    const stored = server.store().runs.get(runId)!;
    assert.equal(stored.info.status, expected.status, `${runtime} ${mode}`);
    assert.equal(stored.history.get("loss")?.length, 15, `${runtime} ${mode}`);
    assert.equal(stored.params.get("lr"), "0.1");
    const names = [...server.store().runs.values()].map((r) => r.info.run_name).sort();
    assert.deepEqual(names, via === "sync" ? ["doomed"] : ["doomed", "next"], "no spool run sent");
  } finally {
    await server.close();
    rmSync(spool, { recursive: true, force: true });
  }
}

for (const mode of Object.keys(MODES)) {
  Deno.test(`offline, Deno, ${mode} after training without close(): every point kept, run ended ${MODES[mode].status} (it stayed RUNNING with no points)`, async () => {
    await offlineCase("deno", mode);
  });
}
for (const mode of ["throw", "exit0", "clean"]) {
  Deno.test(`online, Deno, ${mode} after training without close(): points and end wait in the spool, sync sends them`, async () => {
    await onlineCase("deno", mode);
  });
}
Deno.test("online, Deno, an uncaught error after training: the next script with that server sends its points and FAILED end", async () => {
  await onlineCase("deno", "throw", "next start");
});

const hasBun = (() => {
  try {
    return new Deno.Command("bun", { args: ["--version"], stdout: "null" }).outputSync().success;
  } catch {
    return false;
  }
})();
for (const mode of ["throw", "reject", "exit0", "exit3", "clean"]) {
  Deno.test({
    name: `offline, Bun, ${mode} after training without close(): every point kept, run ended ${
      MODES[mode].status
    }`,
    ignore: !hasBun,
    fn: async () => await offlineCase("bun", mode),
  });
}
Deno.test({
  name: "online, Bun, an uncaught error after training: points and a FAILED end wait in the spool",
  ignore: !hasBun,
  fn: async () => await onlineCase("bun", "throw"),
});

Deno.test("the exit hooks come with the first open run and go with close()", async () => {
  const dir = mkdtempSync(join(tmpdir(), "exit-hooks-"));
  const hooks = () =>
    ["exit", "uncaughtExceptionMonitor", "SIGINT", "SIGTERM", "removeListener"]
      .reduce((n, event) => n + process.listenerCount(event), 0);
  try {
    const before = hooks();
    const client = new TrackingClient({ offline: true, storagePath: dir });
    await client.setExperiment("lazy");
    assert.equal(hooks(), before, "no run open: no hook");
    const run = await client.startRun();
    assert.equal(hooks(), before + 5, "exit, error, SIGINT, SIGTERM and a once listener's end");
    await run.end();
    await client.close();
    assert.equal(hooks(), before, "closed: the hooks are gone");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
