/**
 * An experiment or a run in the store's trash, opened by a bookmark or a typed
 * URL: the viewer says it is deleted (it showed it as any other, with nothing
 * to tell). Headless Chromium; Deno only (excluded from `bun test` in .ci/run).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { serveViewer } from "../src/viewer/mod.ts";
import { CHROMIUM, CHROMIUM_ARGS, newStore } from "./viewer_store.ts";

const skip = !existsSync(CHROMIUM) && !process.env.CI;
const note = skip ? ` (skipped: no ${CHROMIUM})` : "";

Deno.test(
  "viewer says a deleted experiment and a deleted run are deleted (they showed as active ones)" +
    note,
  async () => {
    if (skip) return;
    const { dir, client } = newStore();
    const gone = await client.setExperiment("gone");
    const inGone = await client.startRun({ runName: "in-gone" });
    await inGone.end();
    await client.deleteExperiment(gone.experimentId);
    const kept = await client.setExperiment("kept");
    const trashed = await client.startRun({ runName: "trashed" });
    await trashed.end();
    const alive = await client.startRun({ runName: "alive" });
    await alive.end();
    // As MLflow's Python client deletes a run in a FileStore (this library has no deleteRun).
    const meta = join(dir, kept.experimentId, trashed.runId, "meta.yaml");
    writeFileSync(
      meta,
      readFileSync(meta, "utf8").replace(/lifecycle_stage: active/, "lifecycle_stage: deleted"),
    );
    const viewer = await serveViewer(client, { port: 0 });
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      const badge = async (path: string) => {
        await page.goto(viewer.url + path);
        await page.waitForSelector("body[data-ready]", { timeout: 10_000 });
        return await page.getByRole("note").filter({ hasText: "deleted" }).count();
      };
      assert.equal(await badge(`experiments/${gone.experimentId}`), 1, "deleted experiment");
      assert.equal(await badge(`runs/${trashed.runId}`), 1, "deleted run");
      assert.equal(await badge(`experiments/${kept.experimentId}`), 0, "active experiment");
      assert.equal(await badge(`runs/${alive.runId}`), 0, "active run");
    } finally {
      await browser.close();
      await viewer.close();
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
