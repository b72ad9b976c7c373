/**
 * The CLI as a program, in a child process of this runtime (Deno or Bun): the package's bin
 * (src/cli/bin.ts, which calls main: import.meta.main is undefined on Node 20, where src/cli.ts run
 * directly printed nothing and exited 0) and src/cli.ts itself, with their exit codes.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { TrackingClient } from "../mod.ts";
import { runScript } from "./fixtures/runtime.ts";
import { test } from "./harness.ts";

function run(script: string, ...args: string[]): { code: number | null; out: string; err: string } {
  const [cmd, argv] = runScript(script, ...args);
  const r = spawnSync(cmd, argv, { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("the bin and src/cli.ts run as programs: output, exit 0, and exit 2 for an unknown flag", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cli-bin-"));
  try {
    const client = new TrackingClient({ offline: true, storagePath: dir });
    await client.setExperiment("from-a-bin");
    const r = await client.startRun({ runName: "listed" });
    await r.end();
    await client.close();
    for (const script of ["src/cli/bin.ts", "src/cli.ts"]) {
      const ok = run(script, "runs", "--store", dir);
      assert.equal(ok.code, 0, `${script}: ${ok.err}`);
      assert.match(ok.out, /from-a-bin \(1 run\)\n {2}RUN .*\n {2}listed /, script);
      const bad = run(script, "runs", "--store", dir, "--bogus");
      assert.equal(bad.code, 2, script);
      assert.match(bad.err, /unknown flag --bogus for runs/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
