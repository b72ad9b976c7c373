/**
 * Ctrl-C (SIGINT) or `kill` (SIGTERM) during training: what was logged is kept
 * and the run ends KILLED, then the process still dies of the signal (130 or
 * 143 in a shell). A script with its own SIGINT/SIGTERM listener decides for
 * itself: ours stays out of its way. Real child processes on Deno and Bun
 * (Node: `.ci/node/consumer/exit.mjs`).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TrackingClient } from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";

const SCRIPT = new URL("./fixtures/exit_script.ts", import.meta.url).pathname;
type Runtime = "deno" | "bun";
type Stop = "SIGINT" | "SIGTERM";

/** Starts the script, sends `signal` once it waits, and says how it ended. */
async function stopped(runtime: Runtime, args: string[], signal: Stop) {
  const [cmd, pre] = runtime === "deno" ? [Deno.execPath(), ["run", "-A"]] : ["bun", []];
  const child = new Deno.Command(cmd, {
    args: [...pre, SCRIPT, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  let out = "";
  const err = new Response(child.stderr).text();
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    out += chunk;
    if (out.includes("waiting") && !out.includes("\u0000sent")) {
      child.kill(signal);
      out += "\u0000sent";
    }
  }
  const status = await child.status;
  clearTimeout(killer);
  return { code: status.code, signal: status.signal, out: out + (await err) };
}

async function offlineCase(
  runtime: Runtime,
  signal: Stop,
  own: false | "own-handler" | "own-once" = false,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `signal-${signal}-`));
  try {
    const ended = await stopped(runtime, [own || "signal", dir], signal);
    if (own) {
      assert.match(ended.out, new RegExp(`own handler: ${signal}`), "the user's listener ran");
      assert.equal(ended.code, 0, `the user's listener chose the exit code\n${ended.out}`);
    } else {
      // Killed by the signal, as without the library (a shell reads 128 + its number).
      assert.equal(ended.signal, signal, `${runtime} ${signal}\n${ended.out}`);
      assert.equal(ended.code, signal === "SIGINT" ? 130 : 143);
    }
    const runId = /logged (\w+)/.exec(ended.out)![1];
    const client = new TrackingClient({ offline: true, storagePath: dir, onNotice: () => {} });
    const stored = await client.getRun(runId);
    // The user's listener ended with process.exit(0): a clean exit, so FINISHED.
    assert.equal(stored.info.status, own ? "FINISHED" : "KILLED", `${runtime} ${signal}`);
    assert.deepEqual(stored.data.params, { lr: "0.1" });
    assert.equal((await client.getMetricHistory(runId, "loss")).length, 15);
    await client.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.test(`offline, Deno, ${signal} during training: every point kept and the run ends KILLED (it stayed RUNNING with no points), the process still dies of ${signal}`, async () => {
    await offlineCase("deno", signal);
  });
}
Deno.test("offline, Deno, SIGINT with the script's own listener: the listener decides (exit 0, FINISHED), the library does not stop the process", async () => {
  await offlineCase("deno", "SIGINT", "own-handler");
});
Deno.test("offline, Deno, SIGINT with the script's own process.once listener added before the run: the listener decides (it was gone when ours looked, and ours stopped the process)", async () => {
  await offlineCase("deno", "SIGINT", "own-once");
});

Deno.test("online, Deno, Ctrl-C during training: the points and the KILLED end wait in the spool and sync sends them", async () => {
  const server = new FakeMlflowServer();
  const { url } = await server.listen();
  const spool = mkdtempSync(join(tmpdir(), "signal-spool-"));
  try {
    const ended = await stopped("deno", ["signal", url, spool], "SIGINT");
    assert.match(ended.out, /at exit: .* written to .*cli sync/, "says where and how to send them");
    const runId = /logged (\w+)/.exec(ended.out)![1];
    const local = new TrackingClient({ offline: true, storagePath: spool, onNotice: () => {} });
    await local.sync({ to: { apiHost: url } });
    await local.close();
    const stored = server.store().runs.get(runId)!;
    assert.equal(stored.info.status, "KILLED");
    assert.equal(stored.history.get("loss")?.length, 15);
  } finally {
    await server.close();
    rmSync(spool, { recursive: true, force: true });
  }
});

const hasBun = (() => {
  try {
    return new Deno.Command("bun", { args: ["--version"], stdout: "null" }).outputSync().success;
  } catch {
    return false;
  }
})();
for (
  const [signal, own] of [
    ["SIGINT", false],
    ["SIGTERM", false],
    ["SIGTERM", "own-handler"],
    ["SIGTERM", "own-once"],
  ] as const
) {
  Deno.test({
    name: `offline, Bun, ${signal}${
      own ? " with the script's own listener" : ""
    } during training: ${
      own ? "the listener decides" : "points kept, run KILLED, process dies of it"
    }`,
    ignore: !hasBun,
    fn: async () => await offlineCase("bun", signal, own),
  });
}
