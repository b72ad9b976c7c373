/**
 * Real MLflow reads the offline store: MLflow's Python client (from PyPI, in
 * the venv .ci/run makes) lists what our client wrote and it must match.
 * Set MLFLOW_PYTHON to a Python with mlflow installed; .ci/run does.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { TrackingClient } from "../mod.ts";

const python = process.env.MLFLOW_PYTHON ??
  (existsSync(".venv/bin/python") ? ".venv/bin/python" : "");

/** Why the tests that need MLflow's Python client are ignored, when they are (never in CI). */
const why = python === ""
  ? " (ignored here: needs a Python with mlflow; set MLFLOW_PYTHON or run python3 -m venv .venv && .venv/bin/pip install mlflow)"
  : "";

function encode(v: number): number | string {
  return Number.isNaN(v) ? "NaN" : v === Infinity ? "Infinity" : v === -Infinity ? "-Infinity" : v;
}

Deno.test({
  name: "MLflow's own client reads our store identically (NaN, infinities, slashes, deletions)" +
    why,
  ignore: python === "" && !process.env.CI, // CI always provides it (.ci/run)
  async fn() {
    if (python === "") throw new Error("CI must set MLFLOW_PYTHON (a Python with mlflow)");
    const dir = mkdtempSync(join(tmpdir(), "mlruns-real-"));
    try {
      const client = new TrackingClient({ offline: true, storagePath: dir });
      await client.setExperiment("vision/resnet", { tags: { team: "ml", "a/b": "c" } });
      const written: Record<string, { points: [number, number, number][] }> = {};
      const run = await client.startRun({ runName: "run one", tags: ["baseline"] });
      run.logParams({ lr: 0.001, "opt/name": "adam", layers: [64, 32] });
      let ts = 1_700_000_000_000;
      for (
        const [key, values] of Object.entries({
          "train/loss": [1.5, 0.75, NaN, 0.25],
          acc: [0.1, Infinity, -Infinity, 1e-7],
        })
      ) {
        written[key] = { points: [] };
        values.forEach((value, step) => {
          run.logMetric(key, value, { step, timestamp: ts });
          written[key].points.push([ts++, value, step]);
        });
      }
      await run.end("FAILED");
      const gone = await client.createExperiment("to delete");
      await client.deleteExperiment(gone.experimentId);
      const other = await client.startRun({ runName: "second" });
      await other.end();
      await client.close();

      const json = execFileSync(python, ["tests/fixtures/read_store.py", dir], {
        encoding: "utf8",
        env: { ...process.env, PYTHONWARNINGS: "ignore" },
      });
      const seen = JSON.parse(json);
      const byName = Object.fromEntries(
        seen.experiments.map((e: { name: string }) => [e.name, e]),
      );
      assert.equal(byName["vision/resnet"].stage, "active");
      assert.deepEqual(byName["vision/resnet"].tags, { team: "ml", "a/b": "c" });
      assert.equal(byName["to delete"].stage, "deleted");
      assert.equal(byName["Default"].id, "0");
      const mine = seen.runs.find((r: { id: string }) => r.id === run.runId);
      assert.equal(mine.name, "run one");
      assert.equal(mine.status, "FAILED");
      assert.equal(mine.start, run.info.startTime);
      assert.equal(mine.end, run.info.endTime);
      assert.equal(mine.experiment, run.info.experimentId);
      assert.deepEqual(mine.params, { lr: "0.001", "opt/name": "adam", layers: "[64,32]" });
      assert.equal(mine.tags.baseline, "_OI_USER_TAG");
      assert.equal(mine.tags["mlflow.runName"], "run one");
      for (const [key, { points }] of Object.entries(written)) {
        assert.deepEqual(
          mine.history[key],
          points.map(([t, v, s]) => [t, encode(v), s]),
          `history of ${key}`,
        );
      }
      const second = seen.runs.find((r: { id: string }) => r.id === other.runId);
      assert.equal(second.status, "FINISHED");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
});

Deno.test({
  name: "we read what MLflow's Python client writes: folded long names, \\U escapes, its runs" +
    why,
  ignore: python === "" && !process.env.CI,
  async fn() {
    if (python === "") throw new Error("CI must set MLFLOW_PYTHON (a Python with mlflow)");
    const dir = mkdtempSync(join(tmpdir(), "mlruns-py-"));
    try {
      const out = execFileSync(python, ["tests/fixtures/write_store.py", dir], {
        encoding: "utf8",
        env: { ...process.env, PYTHONWARNINGS: "ignore" },
      });
      const written = JSON.parse(out.trim().split("\n").pop()!);
      const client = new TrackingClient({ offline: true, storagePath: dir });
      const long = await client.getExperimentByName(written.long.name);
      assert.equal(long?.experimentId, written.long.id, "the folded name reads whole");
      const emoji = await client.getExperiment(written.emoji.id);
      assert.equal(emoji.name, written.emoji.name, "\\U0001F600 is an emoji, not a corrupt store");
      // setExperiment finds it instead of making a second experiment of the same name.
      const set = await client.setExperiment(written.long.name);
      assert.equal(set.experimentId, written.long.id);
      assert.equal((await client.searchExperiments()).length, 3);
      // The run reads back, and resumes by its name when asked.
      const run = await client.getRun(written.run.id);
      assert.equal(run.info.runName, written.run.name);
      assert.equal(run.data.params.lr, "0.01");
      assert.equal(run.data.metrics.loss, 1 / 3);
      // (offline a name alone makes a new run, as OICM's Python client does: resume: true asks)
      const resumed = await client.startRun({ runName: written.run.name, resume: true });
      assert.equal(resumed.runId, written.run.id);
      resumed.logMetric("loss", 0.1, { step: 3 });
      await client.close();
      assert.equal((await client.getMetricHistory(written.run.id, "loss")).length, 4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
});

Deno.test({
  name: "MLflow's client and ours report the same latest metric values when steps go back, " +
    "repeat, tie and another process appends" + why,
  ignore: python === "" && !process.env.CI,
  async fn() {
    if (python === "") throw new Error("CI must set MLFLOW_PYTHON (a Python with mlflow)");
    const dir = mkdtempSync(join(tmpdir(), "mlruns-latest-"));
    try {
      const client = new TrackingClient({ offline: true, storagePath: dir, onNotice: () => {} });
      const run = await client.startRun({ runName: "latest" });
      const t = 1_700_000_000_000;
      for (let i = 0; i < 4000; i++) {
        run.logMetric("big", Math.cos(i), { step: i, timestamp: t + i });
      }
      run.logMetric("big", 9, { step: 1000, timestamp: t + 9999 }); // a step back: not the latest
      for (const v of [0.3, 0.7, 0.5, NaN]) run.logMetric("tie", v, { step: 2, timestamp: t });
      for (const v of [NaN, 0.2]) run.logMetric("nan", v, { step: 1, timestamp: t });
      run.logMetric("back", 1, { step: 5, timestamp: t + 1 });
      run.logMetric("back", 2, { step: 4, timestamp: t + 2 });
      run.logMetric("back", 3, { step: 5, timestamp: t });
      await client.flush();
      const before = (await client.getRun(run.runId)).data.metrics; // makes the summaries
      assert.equal(before.big, Math.cos(3999));
      // Another process appends to the large file after the summary was made.
      execFileSync(Deno.execPath(), [
        "run",
        "-A",
        "tests/fixtures/latest_writer.ts",
        dir,
        run.runId,
        "big",
        "3995",
        "300",
      ]);
      await client.close();
      const seen = JSON.parse(execFileSync(python, ["tests/fixtures/read_store.py", dir], {
        encoding: "utf8",
        maxBuffer: 1 << 26,
        env: { ...process.env, PYTHONWARNINGS: "ignore" },
      }));
      const theirs = seen.runs.find((r: { id: string }) => r.id === run.runId).metrics;
      const reader = new TrackingClient({ offline: true, storagePath: dir });
      const ours = (await reader.getRun(run.runId)).data.metrics;
      await reader.close();
      assert.deepEqual(
        Object.fromEntries(Object.entries(ours).map(([k, v]) => [k, encode(v)])),
        theirs,
      );
      assert.equal(ours.tie, 0.7);
      assert.ok(Number.isNaN(ours.nan), "a NaN first at one step and time stays");
      assert.equal(ours.back, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
});
