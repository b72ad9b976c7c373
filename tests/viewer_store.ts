/**
 * Stores the viewer's tests build: a small experiment with finished runs
 * (params, metrics, system metrics, tags, a dataset, artifacts), and the
 * helpers to launch Chromium and serve the viewer over a store.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { TrackingClient } from "../mod.ts";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** A new empty store folder and an offline client writing into it. */
export function newStore(prefix = "viewer-"): { dir: string; client: TrackingClient } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    client: new TrackingClient({ offline: true, storagePath: dir, onNotice: () => {} }),
  };
}

/** An experiment "vision" with three finished runs that differ in lr; returns their ids. */
export async function buildDemo(client: TrackingClient): Promise<{
  experimentId: string;
  runs: { id: string; name: string }[];
}> {
  const exp = await client.setExperiment("vision");
  const runs: { id: string; name: string }[] = [];
  const t0 = Date.UTC(2026, 0, 5, 9, 0, 0);
  for (const [i, lr] of [0.1, 0.03, 0.01].entries()) {
    const name = `resnet-lr${lr}`;
    const run = await client.startRun({ runName: name, tags: { team: "vision" } });
    run.logParams({ lr, batch_size: 64, optimizer: "adam", epochs: 30 });
    for (let step = 0; step < 300; step++) {
      const timestamp = t0 + i * 3_600_000 + step * 1000;
      run.logMetrics({
        loss: 2.3 * Math.exp(-step * lr * 0.2) + 0.05 * Math.sin(step / 3) ** 2 + 0.02 * i,
        "val/acc": 0.98 - 0.8 * Math.exp(-step * lr * 0.15) - 0.01 * i,
      }, { step, timestamp });
      if (step % 10 === 0) {
        run.logMetrics({ "system/cpu_utilization_percentage": 40 + 30 * Math.sin(step / 20) }, {
          step,
          timestamp,
        });
      }
    }
    await run.logInput({
      name: "cifar10",
      digest: "d41d8cd9",
      source: "s3://data/cifar10",
      context: "training",
    });
    await run.logText("epoch,loss\n1,2.1\n2,1.4\n", "history.csv");
    await run.logDict({ lr, layers: [64, 128, 256] }, "config/model.json");
    await run.end();
    runs.push({ id: run.runId, name });
  }
  return { experimentId: exp.experimentId, runs };
}

/** Names a page must show as text and never run. */
export const HOSTILE = {
  experiment: `<img src=x onerror="window.__pwned=1">`,
  run: `\x1b]0;pwned\x07<script>window.__pwned=2</script>`,
  param: `</script><script>window.__pwned=3</script>`,
  tag: `"><svg onload="window.__pwned=4">`,
  metric: `<b onmouseover="window.__pwned=5">loss</b>`,
};

/** An experiment and a finished run named with {@linkcode HOSTILE}, with hostile artifacts. */
export async function buildHostile(client: TrackingClient): Promise<{
  experimentId: string;
  runId: string;
}> {
  const exp = await client.setExperiment(HOSTILE.experiment);
  const run = await client.startRun({ runName: HOSTILE.run, tags: { note: HOSTILE.tag } });
  run.logParams({ [HOSTILE.param.replace(/[<>/"=]/g, "_")]: HOSTILE.param, plain: HOSTILE.param });
  for (let step = 0; step < 20; step++) run.logMetric("loss", 1 / (step + 1), { step });
  await run.logText(`<script>window.__pwned=6</script><h1>hi</h1>`, "evil.html");
  await run.logText(
    `<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned=7"/>`,
    "pic.svg",
  );
  await run.logText("a,b\n1,<img src=x onerror=window.__pwned=8>\n", "table.csv");
  await run.logBytes(PNG_1x1, "plot.png");
  await run.end();
  return { experimentId: exp.experimentId, runId: run.runId };
}

/** A 1x1 PNG. */
export const PNG_1x1 = Uint8Array.from(
  atob(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  ),
  (c) => c.charCodeAt(0),
);
