/**
 * The examples run: OICM's public Python examples' TypeScript twins (examples/oicm/) against the
 * fake in OICM mode, and the quickstart, each as its own process of this runtime.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { promisify } from "node:util";
import { runScript } from "./fixtures/runtime.ts";
import { test } from "./harness.ts";

const EXPECTED: Record<string, RegExp> = {
  "01_quickstart_online.ts": /run smoke_test: \{"auc":0.91\}/,
  "02_metric_time_series.ts": /rmse after 8 passes: 0\.0\d+/,
  "03_run_resume_by_name.ts": /same run: true/,
  "04_run_resume_by_id.ts": /phase=attached-by-id, score=0.93/,
  "05_tags_example.ts": /run labels: baseline, candidate, manual-metrics, review/,
  "06_offline_mode.ts": /Offline tracking data written under: /,
  "07_end_run_statuses.ts": /last run: killed-run KILLED/,
  "08_switch_experiments_safely.ts": /run-in-b is in experiment (\d+) \(the active one: \1\)/,
  "09_active_run_and_get_run.ts": /Fetched run status: FINISHED/,
};

test("every OICM example's twin runs against the fake in OICM mode", async () => {
  const files = readdirSync("examples/oicm").filter((f) => /^\d\d_.*\.ts$/.test(f)).sort();
  assert.deepEqual(files, Object.keys(EXPECTED), "a twin per Python example");
  const store = mkdtempSync(join(tmpdir(), "examples-"));
  const env = { ...process.env };
  for (const name of ["OICM_TRACKING_API_HOST", "OICM_TRACKING_API_KEY", "OICM_WORKSPACE_ID"]) {
    delete env[name]; // the stand-in, not a real OICM
  }
  try {
    await Promise.all(files.map(async (file) => {
      const [cmd, args] = runScript(`examples/oicm/${file}`, join(store, file));
      const { stdout } = await promisify(execFile)(cmd, args, { env });
      assert.match(stdout, EXPECTED[file], file);
    }));
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
});

test("the quickstart runs against the fake in OICM mode", async () => {
  const [cmd, args] = runScript("examples/quickstart.ts");
  const { stdout } = await promisify(execFile)(cmd, args);
  assert.match(stdout, /run first-run \(\w+\): FINISHED/);
});

test("no example imports from tests/ (onnx_eval.ts built its models with tests/fixtures)", () => {
  const files = readdirSync("examples", { recursive: true }).map(String).filter((f) =>
    f.endsWith(".ts")
  );
  assert.ok(files.includes("onnx_eval.ts"));
  for (const file of files) {
    const source = readFileSync(join("examples", file), "utf8");
    const imports = [...source.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((m) =>
      m[1]
    );
    const fromTests = imports.filter((s) => /(^|\/)tests\//.test(s));
    assert.deepEqual(fromTests, [], `examples/${file} imports what a user does not have`);
  }
});
