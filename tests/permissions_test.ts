/**
 * The Deno permissions docs/runtimes.md documents are enough, and a missing one is
 * our clear error naming the flag. Each case runs a child `deno run` with
 * exactly the flags under test (Deno-only by nature).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeMlflowServer } from "../src/testing/mod.ts";

/**
 * Runs a child Deno with exactly `flags` (asynchronously: the fake server in this
 * process must keep answering). Deno.Command, not node:child_process, which hands
 * a spawned Deno the parent's permissions.
 */
async function deno(
  flags: string[],
  script: string,
  args: string[] = [],
): Promise<{ code: number; out: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...flags, script, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code, out: text.decode(stdout) + text.decode(stderr) };
}

Deno.test("the quickstart runs with exactly --allow-net=127.0.0.1", async () => {
  const { code, out } = await deno(["--allow-net=127.0.0.1"], "examples/quickstart.ts");
  assert.equal(code, 0, out);
  assert.match(out, /run first-run \(\w+\): FINISHED/);
});

Deno.test("talking to one server needs only --allow-net=<host:port>; without it, our error names the flag", async () => {
  const server = new FakeMlflowServer();
  const { url, port } = await server.listen();
  try {
    const ok = await deno([`--allow-net=127.0.0.1:${port}`], "tests/fixtures/perm_client.ts", [
      "online",
      url,
    ]);
    assert.equal(ok.code, 0, ok.out);
    assert.equal(server.store().runs.size, 1);
    const denied = await deno([], "tests/fixtures/perm_client.ts", ["online", url]);
    assert.equal(denied.code, 1, denied.out);
    assert.match(denied.out, /TrackingError PERMISSION_DENIED: .*--allow-net/);
  } finally {
    await server.close();
  }
});

Deno.test("offline needs only --allow-read and --allow-write on the store; without write, the flag is named", async () => {
  const dir = mkdtempSync(join(tmpdir(), "perm-"));
  try {
    const store = join(dir, "mlruns");
    const ok = await deno(
      [`--allow-read=${dir}`, `--allow-write=${dir}`],
      "tests/fixtures/perm_client.ts",
      ["offline", store],
    );
    assert.equal(ok.code, 0, ok.out);
    const denied = await deno([`--allow-read=${dir}`], "tests/fixtures/perm_client.ts", [
      "offline",
      join(dir, "other"),
    ]);
    assert.equal(denied.code, 1);
    assert.match(denied.out, /TrackingError PERMISSION_DENIED: the offline store .*--allow-write/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("fromEnv without --allow-env is an error naming the flag, not a silent offline run", async () => {
  const { code, out } = await deno(["--allow-read", "--allow-write"], "tests/fixtures/from_env.ts");
  assert.equal(code, 1, out);
  assert.match(
    out,
    /TrackingError PERMISSION_DENIED: TrackingClient\.fromEnv\(\) cannot read \w+.*: run with --allow-env/,
  );
});

Deno.test("a missing --allow-env names the variable that says where to record, not an unrelated one and a list of sixteen", async () => {
  const { out } = await deno(["--allow-read", "--allow-write"], "tests/fixtures/from_env.ts");
  assert.match(out, /cannot read OICM_TRACKING_API_HOST, which says where to record/);
  assert.doesNotMatch(out, /MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING|MLFLOW_RUN_ID/);
});
