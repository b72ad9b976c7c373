/**
 * The offline store's reads the viewer waits for, each beside a baseline in
 * the same run: `getMetricHistory` of one large metric beside the plain reader
 * (whole file as text, `parseMetricLines`, sort: what the store did before);
 * `getRun` of that run (its latest value) beside reading the metric file whole
 * for it, first with no summary, then as another process sees it once one
 * exists, then after more points were appended; `searchRuns` over many small
 * runs; and MLflow's own FileStore (`get_run`, `get_metric_history`,
 * `search_runs`, timed in Python) over the same folder when a Python with
 * mlflow is there.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync, unlinkSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { TrackingClient } from "../mod.ts";
import { listKeys, parseMetricLines } from "../src/core/file_io.ts";
import { FileBackend } from "../src/store/file_backend.ts";
import { LATEST_FILE } from "../src/store/latest_metrics.ts";
import type { Row } from "./row.ts";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(reps: number, fn: () => Promise<unknown>): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return median(out);
}

/** The store's reading before: the file whole as text, every line a point, then sorted. */
async function plainHistory(path: string) {
  const points = parseMetricLines("loss", await readFile(path, "utf8"));
  return points.sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
}

/** The latest value as the store found it before: every metric file read whole. */
async function plainLatest(runDir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const key of await listKeys(join(runDir, "metrics"))) {
    let best;
    for (const p of parseMetricLines(key, await readFile(join(runDir, "metrics", key), "utf8"))) {
      if (!best || p.step > best.step || (p.step === best.step && p.timestamp >= best.timestamp)) {
        best = p;
      }
    }
    if (best) out[key] = best.value;
  }
  return out;
}

/** The rows of `--only=store`; `python` adds MLflow's FileStore beside ours. */
export async function benchStoreReads(smoke: boolean, python?: string): Promise<Row[]> {
  const points = smoke ? 20_000 : 1_000_000;
  const runCount = smoke ? 50 : 1_000;
  const reps = smoke ? 1 : 5;
  const dir = mkdtempSync(join(tmpdir(), "bench-store-"));
  const rows: Row[] = [];
  const section = "8 store reads";
  try {
    const client = new TrackingClient({ offline: true, storagePath: dir, onNotice: () => {} });
    const long = await client.setExperiment("long");
    const run = await client.startRun({ runName: "long" });
    for (let i = 0; i < points; i++) {
      run.logMetric("loss", Math.exp(-i / points * 4) + 0.05 * Math.sin(i / 50), { step: i });
    }
    await run.end();
    const many = await client.setExperiment("many");
    for (let i = 0; i < runCount; i++) {
      const r = await client.startRun({ runName: `trial-${i}` });
      r.logParams({ lr: 10 ** -(1 + (i % 4)), seed: i });
      r.logMetrics({ loss: Math.abs(Math.sin(i)), acc: (i * 7919 % 1000) / 1000 }, { step: 1 });
      await r.end();
    }
    await client.close();
    const runDir = join(dir, long.experimentId, run.runId);
    const file = join(runDir, "metrics", "loss");
    const fresh = () => new FileBackend(dir);

    const history = await timed(reps, () => fresh().getMetricHistory(run.runId, "loss"));
    const plain = await timed(reps, () => plainHistory(file));
    rows.push({
      section,
      what: `getMetricHistory, ${points} points`,
      n: points,
      ours: history,
      peer: plain,
      peerName: "the file as text, parseMetricLines, sort (the store before)",
      unit: "ms",
      ratio: plain / history,
      note: "ratio: times faster",
    });

    const plainRun = await timed(reps, () => plainLatest(runDir));
    const cold = await timed(reps, () => {
      try {
        unlinkSync(join(runDir, LATEST_FILE));
      } catch { /* first time */ }
      return fresh().getRun(run.runId);
    });
    const summarized = await timed(reps, () => fresh().getRun(run.runId));
    const live = fresh();
    await live.getRun(run.runId);
    let step = points;
    const appended = await timed(reps, () => {
      const lines = Array.from({ length: 1000 }, () => `${Date.now()} 0.5 ${step++}\n`).join("");
      appendFileSync(file, lines);
      return live.getRun(run.runId);
    });
    const plainAfter = await timed(reps, () => plainLatest(runDir));
    for (
      const [what, ours, peer] of [
        ["first read, no summary yet", cold, plainRun],
        ["summary made (a fresh process)", summarized, plainRun],
        ["a live poll after 1000 more points", appended, plainAfter],
      ] as const
    ) {
      rows.push({
        section,
        what: `getRun of a run with ${points} points: ${what}`,
        n: points,
        ours,
        peer,
        peerName: "every metric file read whole for its latest value (the store before)",
        unit: "ms",
        ratio: peer / ours,
        note: "ratio: times faster",
      });
    }

    const search = await timed(
      reps,
      () => fresh().searchRuns({ experimentIds: [many.experimentId], maxResults: 50_000 }),
    );
    const searchRow: Row = {
      section,
      what: `searchRuns, ${runCount} runs of 2 metrics, 2 params`,
      n: runCount,
      ours: search,
      unit: "ms",
    };
    rows.push(searchRow);

    if (python !== undefined) {
      const seen = JSON.parse(execFileSync(python, [
        "bench/store_reads.py",
        dir,
        run.runId,
        "loss",
        many.experimentId,
        String(smoke ? 1 : 3),
      ], {
        encoding: "utf8",
        maxBuffer: 1 << 26,
        env: { ...process.env, PYTHONWARNINGS: "ignore" },
      }));
      const ours = (await fresh().getRun(run.runId)).data.metrics.loss;
      if (seen.latest !== ours || seen.points !== points + 1000 * reps) {
        throw new Error(`MLflow read ${JSON.stringify(seen)}, we read latest ${ours}`);
      }
      rows.push({
        section,
        what: `getMetricHistory, ${points + 1000 * reps} points, vs MLflow's FileStore`,
        n: points,
        ours: await timed(reps, () => fresh().getMetricHistory(run.runId, "loss")),
        peer: seen.get_metric_history_ms,
        peerName: "MLflow FileStore.get_metric_history (Python)",
        unit: "ms",
        note: "ratio: times faster",
      });
      rows.push({
        section,
        what: `getRun, ${points} points (summary made), vs MLflow's FileStore`,
        n: points,
        ours: summarized,
        peer: seen.get_run_ms,
        peerName: "MLflow FileStore.get_run (Python)",
        unit: "ms",
        note: "ratio: times faster",
      });
      searchRow.peer = seen.search_runs_ms;
      searchRow.peerName = "MLflow FileStore.search_runs (Python)";
      searchRow.note = "ratio: times faster";
      for (const r of rows.slice(-2)) r.ratio = r.peer! / r.ours;
      searchRow.ratio = seen.search_runs_ms / search;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
