/**
 * Nothing the client leaves behind keeps a process alive after `close()`:
 * a real child process must exit soon after close() settles, well before the
 * client's `flushIntervalMs` (30 s here).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { FakeMlflowServer } from "../src/testing/mod.ts";

const FIXTURE = new URL("./fixtures/tracked_refused.ts", import.meta.url).pathname;

/** Runs the fixture; resolves to how long the process lived after printing "closed". */
async function lingerAfterClose(cmd: string, args: string[], url: string): Promise<number> {
  const child = spawn(cmd, [...args, FIXTURE, url], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let closedAt = 0;
  child.stdout.on("data", (d) => {
    out += d;
    if (closedAt === 0 && out.includes("closed")) closedAt = Date.now();
  });
  child.stderr.on("data", (d) => out += d);
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  const code = await exited;
  clearTimeout(killer);
  assert.ok(closedAt > 0, `close() never settled: ${out}`);
  assert.equal(code, 0, out);
  return Date.now() - closedAt;
}

async function check(cmd: string, args: string[]): Promise<void> {
  const server = new FakeMlflowServer();
  server.faults.failNext(1, 403, { route: "runs/create" });
  const { url } = await server.listen();
  try {
    const lingered = await lingerAfterClose(cmd, args, url);
    assert.ok(lingered < 5_000, `the process stayed ${lingered} ms after close()`);
    assert.equal(server.count("runs/create"), 1);
  } finally {
    await server.close();
  }
}

Deno.test("a tracked call whose run was refused: the process exits right after close(), not after flushIntervalMs", async () => {
  await check(Deno.execPath(), ["run", "-A"]);
});

Deno.test({
  name: "under Bun too: the process exits right after close() of a refused tracked run",
  ignore: !hasBun(),
  fn: async () => await check("bun", []),
});

function hasBun(): boolean {
  try {
    return new Deno.Command("bun", { args: ["--version"], stdout: "null" }).outputSync().success;
  } catch {
    return false;
  }
}
