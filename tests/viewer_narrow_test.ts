/**
 * The viewer at a phone's width (380 px), in headless Chromium: no page scrolls
 * sideways (the chart grid asked for 380 px columns inside a padded page, so
 * every chart card ran off the right edge), and the run page's artifact
 * browser stacks its list above the preview instead of squeezing the preview
 * into a sliver. Screenshots land in tests/output/viewer/narrow-*.png.
 *
 * Deno only (excluded from `bun test` in .ci/run), as viewer_browser_test.ts.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import process from "node:process";
import { serveViewer } from "../src/viewer/mod.ts";
import { buildDemo, CHROMIUM, CHROMIUM_ARGS, newStore } from "./viewer_store.ts";

interface Root {
  document: { documentElement: { scrollWidth: number; clientWidth: number } };
}

const SHOTS = "tests/output/viewer";
const skip = !existsSync(CHROMIUM) && !process.env.CI;
const note = skip ? ` (skipped: no ${CHROMIUM})` : "";

Deno.test(
  "viewer at 380 px: no page scrolls sideways and the artifact preview is as wide as the page" +
    note,
  async () => {
    if (skip) return;
    const { dir, client } = newStore();
    const demo = await buildDemo(client);
    const viewer = await serveViewer(client, { port: 0 });
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 380, height: 800 } });
      const [a, b] = demo.runs.map((r) => r.id);
      const pages: [string, string][] = [
        ["home", ""],
        ["runs", `experiments/${demo.experimentId}`],
        ["run", `runs/${a}`],
        ["compare", `compare?runs=${a},${b}`],
      ];
      mkdirSync(SHOTS, { recursive: true });
      for (const [name, path] of pages) {
        await page.goto(viewer.url + path);
        await page.waitForSelector("body[data-ready]", { timeout: 10_000 });
        if (name === "run") {
          await page.getByRole("treeitem").filter({ hasText: "history.csv" }).locator("button")
            .click();
          await page.waitForSelector(".preview table");
          const [list, preview] = await page.locator(".artifacts > ul, .artifacts > .preview")
            .evaluateAll((els) => els.map((el) => el.getBoundingClientRect().width));
          assert.ok(preview >= 300, `the preview is ${preview} px wide (list ${list} px)`);
        }
        await page.screenshot({ path: `${SHOTS}/narrow-${name}.png`, fullPage: true });
        const sideways = await page.evaluate(() => {
          const root = (globalThis as unknown as Root).document.documentElement;
          return root.scrollWidth - root.clientWidth;
        });
        assert.equal(sideways, 0, `${name} scrolls ${sideways} px sideways at 380 px`);
      }
    } finally {
      await browser.close();
      await viewer.close();
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
