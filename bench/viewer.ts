/**
 * The viewer's speed, measured as a user meets it: `cli ui` from spawn to its
 * printed URL (beside `mlflow ui` from spawn to its first answer, when a Python
 * with mlflow is there); a run with 1,000,000 points in one metric: its page
 * drawn and interactive after navigation, and the bytes the browser received;
 * an experiment with 1,000 runs: its table ready, and a sort by a metric.
 * Headless Chromium (Debian's) through playwright-core.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import type { Page } from "playwright-core";
import { TrackingClient } from "../mod.ts";
import { CHROMIUM, CHROMIUM_ARGS } from "../tests/viewer_store.ts";
import type { Row } from "./row.ts";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Starts `cli ui` on a free port; resolves with its URL, the ms to it, and a stop function. */
function startUi(store: string): Promise<{ url: string; ms: number; stop: () => void }> {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    ["run", "-A", "src/cli.ts", "ui", "--store", store, "--port", "0"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/http:\/\/\S+\//);
      if (m) resolve({ url: m[0], ms: performance.now() - t0, stop: () => child.kill() });
    });
    child.on("exit", (code) => reject(new Error(`ui exited ${code}`)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** `mlflow ui` over the same folder: ms from spawn to its first HTTP answer. */
async function mlflowUiStart(python: string, store: string): Promise<number | undefined> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(
    join(dirname(python), "mlflow"),
    ["ui", "--backend-store-uri", store, "--host", "127.0.0.1", "--port", String(port)],
    // MLflow 3 refuses a folder store unless told (the folder is read as it is, not migrated).
    {
      stdio: "ignore",
      env: { ...process.env, MLFLOW_ALLOW_FILE_STORE: "true" },
      detached: true, // its own process group: its server workers stop with it
    },
  );
  try {
    for (let i = 0; i < 2400; i++) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/`);
        await res.arrayBuffer();
        if (res.ok) return performance.now() - t0;
      } catch { /* not yet */ }
      await new Promise((r) => setTimeout(r, 50));
    }
    return undefined;
  } finally {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      child.kill();
    }
  }
}

/** Navigates and resolves to ms until the page says it is ready, and the bytes received. */
async function load(
  page: Page,
  url: string,
): Promise<{ ms: number; bytes: number; serverMs: number }> {
  let bytes = 0;
  const sizes: Promise<void>[] = [];
  const onResponse = (r: { body(): Promise<Uint8Array> }) => {
    sizes.push(r.body().then((b) => void (bytes += b.length), () => {}));
  };
  page.on("response", onResponse);
  const t0 = performance.now();
  await page.goto(url);
  await page.waitForSelector("body[data-ready]", { timeout: 60_000 });
  const ms = performance.now() - t0;
  // When the page's HTML (with its data) had arrived: the server's share.
  const serverMs = await page.evaluate(() => {
    const p = (globalThis as unknown as {
      performance: { getEntriesByType(t: string): { responseEnd: number; startTime: number }[] };
    }).performance.getEntriesByType("navigation")[0];
    return p.responseEnd - p.startTime;
  });
  await Promise.all(sizes);
  // What the page fetches after it is drawn (a run's datasets) finishes before the next step.
  await page.waitForLoadState("networkidle");
  page.off("response", onResponse);
  return { ms, bytes, serverMs };
}

/** The viewer's rows; `mlflowPython` adds `mlflow ui`'s start beside ours. */
export async function benchViewer(smoke: boolean, mlflowPython?: string): Promise<Row[]> {
  if (!existsSync(CHROMIUM)) {
    console.error(`viewer bench skipped: no ${CHROMIUM}`);
    return [];
  }
  const rows: Row[] = [];
  const dir = mkdtempSync(join(tmpdir(), "bench-viewer-"));
  const points = smoke ? 100_000 : 1_000_000;
  const runCount = smoke ? 100 : 1_000;
  const client = new TrackingClient({ offline: true, storagePath: dir, onNotice: () => {} });
  await client.setExperiment("long");
  const long = await client.startRun({ runName: "long" });
  for (let i = 0; i < points; i++) {
    long.logMetric(
      "loss",
      Math.exp(-i / points * 4) + 0.05 * Math.sin(i / 50) + (i % 9973 === 0 ? 1 : 0),
      { step: i },
    );
  }
  await long.end();
  const many = await client.setExperiment("many");
  for (let i = 0; i < runCount; i++) {
    const run = await client.startRun({ runName: `trial-${i}` });
    run.logParams({ lr: 10 ** -(1 + (i % 4)), batch: 32 << (i % 3), seed: i });
    run.logMetrics({ loss: Math.abs(Math.sin(i * 12.9898)), acc: (i * 7919 % 1000) / 1000 }, {
      step: 1,
    });
    await run.end();
  }
  // The library's own reads the pages wait for, timed alone (a fresh client, nothing cached).
  const reader = new TrackingClient({ offline: true, storagePath: dir, onNotice: () => {} });
  let t0 = performance.now();
  await reader.getMetricHistory(long.runId, "loss");
  const historyMs = performance.now() - t0;
  t0 = performance.now();
  await reader.searchRuns({ experimentIds: [many.experimentId], maxResults: 50_000 });
  const searchMs = performance.now() - t0;
  await reader.close();
  await client.close();
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
  });
  try {
    const starts: number[] = [];
    for (let i = 0; i < (smoke ? 1 : 3); i++) {
      const ui = await startUi(dir);
      starts.push(ui.ms);
      ui.stop();
    }
    const peerStart = mlflowPython && !smoke ? await mlflowUiStart(mlflowPython, dir) : undefined;
    const start = median(starts);
    rows.push({
      section: "7 viewer",
      what: "cli ui: spawn to printed URL",
      n: 1,
      ours: start,
      peer: peerStart,
      peerName: peerStart === undefined ? undefined : "mlflow ui, spawn to first answer",
      unit: "ms",
      ratio: peerStart === undefined ? undefined : start / peerStart,
      target: "< 1000 ms",
      met: start < 1000,
    });
    const ui = await startUi(dir);
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(ui.url);
      const expIds = await page.locator("main tbody a").evaluateAll((as) =>
        as.map((a) => [a.textContent, a.getAttribute("href")])
      );
      const href = (name: string) => expIds.find(([n]) => n === name)?.[1] ?? "";
      // One run, 1M points: cold (the server reads the history), then warm.
      await page.goto(`${ui.url}${href("long").slice(1)}`);
      await page.waitForSelector("body[data-ready]");
      const runHref = await page.locator("main tbody a").first().getAttribute("href");
      const cold = await load(page, ui.url + runHref!.slice(1));
      const warm = await load(page, ui.url + runHref!.slice(1));
      await page.locator("canvas").first().hover({ position: { x: 300, y: 90 } });
      const readout = await page.locator(".readout").first().innerText();
      rows.push({
        section: "7 viewer",
        what: `run page, ${points} points in one metric: navigation to drawn (cold / warm)`,
        n: points,
        ours: cold.ms,
        unit: "ms",
        target: "< 1500 ms",
        met: cold.ms < 1500,
        note: `cold: the page's HTML with its data arrived after ${cold.serverMs.toFixed(0)} ms ` +
          `(getMetricHistory of ${points} points offline alone: ${historyMs.toFixed(0)} ms); ` +
          `warm ${warm.ms.toFixed(0)} ms (HTML after ${warm.serverMs.toFixed(0)} ms); ` +
          `hover readout "${readout.replace(/\s+/g, " ")}"`,
      });
      rows.push({
        section: "7 viewer",
        what: `run page, ${points} points: bytes the browser received`,
        n: points,
        ours: cold.bytes / 1024,
        unit: "KB",
        target: "< 2048 KB",
        met: cold.bytes < 2 * 1024 * 1024,
      });
      // 1,000 runs: the table, then a sort by a metric.
      const table = await load(page, `${ui.url}${href("many").slice(1)}`);
      const rowsShown = await page.locator("main tbody tr").count();
      const sorts: number[] = [];
      for (let i = 0; i < 3; i++) {
        sorts.push(
          await page.evaluate(() =>
            new Promise<number>((resolve) => {
              const doc = globalThis as unknown as {
                document: { querySelector(s: string): { click(): void } | null };
                requestAnimationFrame(f: () => void): void;
                performance: { now(): number };
              };
              const t0 = doc.performance.now();
              doc.document.querySelector("button[aria-label='sort by loss']")!.click();
              doc.requestAnimationFrame(() => resolve(doc.performance.now() - t0));
            })
          ),
        );
      }
      rows.push({
        section: "7 viewer",
        what: `runs table, ${runCount} runs: navigation to usable`,
        n: runCount,
        ours: table.ms,
        unit: "ms",
        target: "< 1000 ms",
        met: table.ms < 1000 && rowsShown === runCount,
        note: `${rowsShown} rows, ${(table.bytes / 1024).toFixed(0)} KB, HTML after ` +
          `${table.serverMs.toFixed(0)} ms (searchRuns of ${runCount} runs offline alone: ` +
          `${searchMs.toFixed(0)} ms)`,
      });
      const sort = median(sorts);
      rows.push({
        section: "7 viewer",
        what: `runs table, ${runCount} runs: sort by a metric (click to next frame)`,
        n: runCount,
        ours: sort,
        unit: "ms",
        target: "< 200 ms",
        met: sort < 200,
      });
    } finally {
      ui.stop();
    }
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
