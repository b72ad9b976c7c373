/**
 * `cli runs` among several runs: what differs comes first; --columns, --sort and --filter (MLflow's
 * filter syntax) choose what is shown, the same on a local store and on a server.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TrackingClient } from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { cli } from "./cli_capture.ts";
import { test } from "./harness.ts";

/** Three runs that share eight params and differ in `lr` (and so in `loss`). */
async function sweep(client: TrackingClient): Promise<void> {
  await client.setExperiment("sweep");
  for (const [name, lr, loss] of [["a", 0.1, 0.3], ["b", 0.01, 0.05], ["c", 0.001, 0.2]] as const) {
    const run = await client.startRun({ runName: name, logSystemMetrics: false });
    run.logParams({
      epochs: 50,
      "opts.batch_size": 32,
      "opts.optimizer": "adam",
      "opts.schedule": "cosine",
      "opts.warmup": 5,
      seed: 7,
      "data.split": "train",
      "data.shuffle": true,
      lr,
    });
    run.logMetrics({ loss, samples: 1000 });
    await run.end();
  }
}

function rowOf(out: string, run: string): string {
  const line = out.split("\n").find((l) => l.trimStart().startsWith(`${run} `));
  assert.ok(line, `no row for ${run} in\n${out}`);
  return line;
}

test("cli runs shows first the params and metrics that differ between runs (lr was cut off before)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cli-runs-"));
  try {
    const client = new TrackingClient({ offline: true, storagePath: dir });
    await sweep(client);
    await client.close();
    const { code, out } = await cli(["runs", "--store", dir]);
    assert.equal(code, 0);
    assert.match(rowOf(out, "a"), /\s loss=0\.3 samples=1000\s+lr=0\.1 data\.shuffle=true/);
    assert.match(rowOf(out, "b"), /\s loss=0\.05 samples=1000\s+lr=0\.01 /);
    for (const line of out.split("\n")) assert.ok([...line].length <= 100, line);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("cli runs --columns, --sort and --filter choose the columns, the order and the runs, offline", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cli-runs-"));
  try {
    const client = new TrackingClient({ offline: true, storagePath: dir });
    await sweep(client);
    await client.close();
    const order = (out: string) =>
      out.split("\n").slice(2).map((l) => l.trim().split(/\s+/)[0]).filter((n) => n);

    const cols = await cli([
      "runs",
      "--store",
      dir,
      "--columns",
      "lr,loss",
      "--sort",
      "metrics.loss",
    ]);
    assert.equal(cols.code, 0, cols.err);
    assert.match(cols.out, /^ {2}RUN\s+ID\s+STATUS\s+STARTED\s+TOOK\s+LR\s+LOSS$/m);
    assert.deepEqual(order(cols.out), ["b", "c", "a"]);
    assert.match(rowOf(cols.out, "b"), /\s0\.01\s+0\.05$/);

    assert.deepEqual(order((await cli(["runs", "--store", dir, "--sort", "-loss"])).out), [
      "a",
      "c",
      "b",
    ]);
    assert.deepEqual(
      order((await cli(["runs", "--store", dir, "--sort", "params.lr", "--desc"])).out),
      ["a", "b", "c"],
    );

    const filtered = await cli(["runs", "--store", dir, "--filter", "metrics.loss < 0.25"]);
    assert.equal(filtered.code, 0, filtered.err);
    assert.match(filtered.out, /^sweep \(2 runs\)$/m);
    assert.deepEqual(order(filtered.out).sort(), ["b", "c"]);
    const none = await cli(["runs", "--store", dir, "--filter", "metrics.loss < 0"]);
    assert.equal(none.out, `no run matches "metrics.loss < 0"`);
    const bad = await cli(["runs", "--store", dir, "--filter", "metrics.loss <<< 1"]);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /^error: .*filter/im);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("cli runs --filter and --sort read a server as they read a store (--from URL)", async () => {
  const server = new FakeMlflowServer();
  const { url } = await server.listen();
  try {
    const client = new TrackingClient({ apiHost: url });
    await sweep(client);
    await client.close();
    const { code, out, err } = await cli([
      "runs",
      "--from",
      url,
      "--filter",
      "metrics.loss < 0.25 and params.lr = '0.01'",
      "--columns",
      "lr,loss",
    ]);
    assert.equal(code, 0, err);
    assert.match(out, /^sweep \(1 run\)$/m);
    assert.match(rowOf(out, "b"), /\s0\.01\s+0\.05$/);
  } finally {
    await server.close();
  }
});

test("cli runs cuts the metrics and params before the run's name (Trainer.train-cf… before)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cli-runs-"));
  try {
    const client = new TrackingClient({ offline: true, storagePath: dir });
    for (const lr of [0.1, 0.3]) {
      const run = await client.startRun({
        runName: `Trainer.train-${lr === 0.1 ? "cf01" : "97ab"}`,
      });
      run.logParams({ lr, epochs: 5, optimizer: "adam-with-a-long-name" });
      run.logMetrics({ accuracy: lr * 2.7, loss: 1 - lr * 2.7, val_loss: 0.4 + lr });
      await run.end();
    }
    await client.close();
    const { out } = await cli(["runs", "--store", dir]);
    assert.match(out, /^ {2}Trainer\.train-cf01 {2}/m);
    assert.match(out, /^ {2}Trainer\.train-97ab {2}/m);
    for (const line of out.split("\n")) assert.ok([...line].length <= 100, line);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
