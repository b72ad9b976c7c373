/**
 * The viewer as a user sees it, in headless Chromium (Debian's package,
 * driven by playwright-core): each page over a store the test builds, live
 * points of a RUNNING run, one series per run on compare, accessible names,
 * and hostile names that run no script. Screenshots land in
 * tests/output/viewer/ (light and dark).
 *
 * Deno only (excluded from `bun test` in .ci/run): Chromium runs take longer than Bun's 5 s test timeout.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import process from "node:process";
import type { Browser, Page } from "playwright-core";
import { TrackingClient } from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { serveViewer } from "../src/viewer/mod.ts";
import {
  buildDemo,
  buildHostile,
  CHROMIUM,
  CHROMIUM_ARGS,
  HOSTILE,
  newStore,
} from "./viewer_store.ts";

const SHOTS = "tests/output/viewer";
const skip = !existsSync(CHROMIUM) && !process.env.CI;
const note = skip ? ` (skipped: no ${CHROMIUM})` : "";

async function withBrowser(fn: (browser: Browser) => Promise<void>): Promise<void> {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    await fn(browser);
  } finally {
    await browser.close();
  }
}

async function open(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector("body[data-ready]", { timeout: 10_000 });
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

interface Doc {
  document: {
    querySelector(
      s: string,
    ): { getAttribute(n: string): string | null; textContent: string } | null;
  };
}

/** Waits (at most `ms`) until the element `selector` has attribute `name` = `want` ("text": its text). */
async function until(page: Page, selector: string, name: string, want: string, ms: number) {
  await page.waitForFunction(
    ([sel, attr, value]) => {
      const el = (globalThis as unknown as Doc).document.querySelector(sel);
      return (attr === "text" ? el?.textContent : el?.getAttribute(attr)) === value;
    },
    [selector, name, want],
    { timeout: ms },
  );
}

/** What each chart on the page says of itself. */
function charts(page: Page) {
  return page.locator("figure.chart canvas").evaluateAll((els) =>
    els.map((c) => ({
      metric: c.closest("figure")!.getAttribute("data-metric"),
      label: c.getAttribute("aria-label") ?? "",
      series: Number(c.getAttribute("data-series")),
      points: Number(c.getAttribute("data-points")),
      lastStep: Number(c.getAttribute("data-last-step")),
      drawn: (c as unknown as { width: number }).width > 0,
    }))
  );
}

Deno.test(
  "viewer shows experiments, a sortable runs table, a run's charts and artifacts, and compare with a line per run" +
    note,
  async () => {
    if (skip) return;
    const { dir, client } = newStore();
    const demo = await buildDemo(client);
    const viewer = await serveViewer(client, { port: 0, source: dir });
    try {
      await withBrowser(async (browser) => {
        for (const colorScheme of ["light", "dark"] as const) {
          const page = await browser.newPage({
            viewport: { width: 1360, height: 900 },
            colorScheme,
          });
          const errors: string[] = [];
          page.on("pageerror", (e) => errors.push(e.message));
          // Home
          await open(page, viewer.url);
          const home = await page.locator("table[aria-label=experiments] tbody tr").allInnerTexts();
          assert.equal(home.length, 2, "vision and Default");
          assert.match(home[0], /^vision\s+3\s/, "latest activity first");
          assert.equal(await page.locator("table[aria-label='recent runs'] tbody tr").count(), 3);
          await shot(page, `home-${colorScheme}`);
          // Experiment: runs, sorted by a metric, filtered, picked for compare
          await open(page, `${viewer.url}experiments/${demo.experimentId}`);
          assert.equal(await page.locator("main table tbody tr").count(), 3);
          assert.ok(await page.locator("thead th").count() >= 7, "header cells");
          await page.getByRole("button", { name: "sort by loss" }).click(); // descending first
          await page.getByRole("button", { name: "sort by loss" }).click(); // then ascending
          const names = await page.locator("main tbody tr td:nth-child(2)").allInnerTexts();
          assert.deepEqual(
            names,
            ["resnet-lr0.1", "resnet-lr0.03", "resnet-lr0.01"],
            "lowest loss first",
          );
          assert.match(page.url(), /sort=metrics\.loss&dir=asc/, "the sort is in the URL");
          // Columns: a param that is the same in every run is hidden at first, and can be shown.
          const headers = () => page.locator("main thead th").allInnerTexts();
          assert.ok(!(await headers()).some((t) => /optimizer/.test(t)));
          await page.getByText("Columns").click();
          await page.locator(".menu label", { hasText: "optimizer" }).locator("input").check();
          assert.ok((await headers()).some((t) => /optimizer/.test(t)), "the chosen column shows");
          await page.locator(".menu label", { hasText: "optimizer" }).locator("input").uncheck();
          await page.getByText("Columns").click();
          await shot(page, `experiment-${colorScheme}`);
          await page.locator("main tbody tr").nth(0).locator("input[type=checkbox]").check();
          await page.locator("main tbody tr").nth(2).locator("input[type=checkbox]").check();
          await page.getByRole("button", { name: "Compare 2" }).click();
          await page.waitForSelector("body[data-ready]");
          assert.match(page.url(), /\/compare\?runs=[0-9a-f]{32},[0-9a-f]{32}$/);
          await open(
            page,
            `${viewer.url}experiments/${demo.experimentId}?filter=${
              encodeURIComponent("params.lr = '0.03'")
            }`,
          );
          assert.deepEqual(await page.locator("main tbody tr td:nth-child(2)").allInnerTexts(), [
            "resnet-lr0.03",
          ]);
          await open(
            page,
            `${viewer.url}experiments/${demo.experimentId}?filter=${
              encodeURIComponent("metrics.loss <<< 1")
            }`,
          );
          assert.match(await page.getByRole("alert").innerText(), /did not parse/);
          // Run
          const [a, b, c] = demo.runs;
          await open(page, `${viewer.url}runs/${a.id}`);
          assert.equal(await page.locator("h1").innerText(), a.name);
          const runCharts = await charts(page);
          assert.deepEqual(runCharts.map((x) => x.metric), [
            "loss",
            "val/acc",
            "system/cpu_utilization_percentage",
          ]);
          assert.ok(runCharts.every((x) => x.drawn && x.series === 1));
          assert.deepEqual(runCharts.map((x) => x.points), [300, 300, 30]);
          assert.ok(
            runCharts.every((x) => x.label.startsWith(`${x.metric}:`)),
            "each chart is named",
          );
          assert.equal(await page.locator("h2", { hasText: "System metrics" }).count(), 1);
          assert.equal(
            await page.locator("table[aria-label=params] th", { hasText: "optimizer" }).count(),
            1,
          );
          // Datasets come a moment later when the record was a search's (the runs table's).
          await page.locator('table[aria-label=datasets] td:text-is("cifar10")').waitFor();
          await page.locator("canvas").first().hover({ position: { x: 200, y: 80 } });
          assert.match(await page.locator(".readout").first().innerText(), /step \d+/);
          await page.keyboard.press("l");
          assert.equal(await page.locator("#logscale").isChecked(), true, "l: log scale");
          await page.keyboard.press("l");
          await page.getByRole("treeitem").filter({ hasText: "history.csv" }).locator("button")
            .click();
          await page.waitForSelector(".preview table[aria-label='csv preview'] th");
          await page.getByRole("treeitem").filter({ hasText: "config" }).locator("button").click();
          await page.getByRole("treeitem").filter({ hasText: "model.json" }).locator("button")
            .click();
          await page.waitForSelector(".preview pre");
          assert.match(await page.locator(".preview pre").innerText(), /"layers": \[/);
          await page.locator("canvas").first().hover({ position: { x: 200, y: 80 } });
          await shot(page, `run-${colorScheme}`);
          // Compare
          await open(page, `${viewer.url}compare?runs=${a.id},${b.id},${c.id}`);
          const cmp = await charts(page);
          assert.deepEqual(cmp.map((x) => x.series), [3, 3, 3], "one series per run");
          for (const chart of cmp) {
            for (const r of demo.runs) {
              assert.ok(chart.label.includes(r.name), `${chart.metric} names ${r.name}`);
            }
          }
          assert.deepEqual(
            await page.locator("table[aria-label=params] tr.differs th").allInnerTexts(),
            ["lr"],
          );
          assert.equal(
            await page.locator("table[aria-label='metric summary'] tbody tr").count(),
            3,
          );
          assert.equal(await page.locator(".legend [role=listitem]").count(), 3);
          await page.locator("canvas").first().hover({ position: { x: 260, y: 90 } });
          await shot(page, `compare-${colorScheme}`);
          assert.deepEqual(errors, []);
          await page.close();
        }
      });
    } finally {
      await viewer.close();
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

const REAL_MLFLOW = process.env.MLFLOW_SERVER_URL;
const sources = ["an offline folder", "a server", ...(REAL_MLFLOW ? ["a real mlflow server"] : [])];
for (const source of sources) {
  Deno.test(
    `viewer over ${source}: a RUNNING run's new points appear on its page and on compare within 2 s, no reload` +
      note,
    async () => {
      if (skip) return;
      const { dir, client: local } = newStore();
      const fake = new FakeMlflowServer();
      const url = source === "a server"
        ? (await fake.listen()).url
        : source === "a real mlflow server"
        ? REAL_MLFLOW!
        : "";
      const client = url ? new TrackingClient({ apiHost: url, onNotice: () => {} }) : local;
      const demo = await buildDemo(client);
      const live = await client.startRun({ runName: "training-now" });
      for (let step = 0; step < 10; step++) live.logMetric("loss", 1 / (step + 1), { step });
      await client.flush();
      const reader = url
        ? new TrackingClient({ apiHost: url, onNotice: () => {} })
        : new TrackingClient({ offline: true, storagePath: dir, onNotice: () => {} });
      const viewer = await serveViewer(reader, { port: 0 });
      try {
        await withBrowser(async (browser) => {
          const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
          const other = await browser.newPage({ viewport: { width: 1200, height: 800 } });
          let navigations = 0;
          page.on("framenavigated", () => navigations++);
          await open(page, `${viewer.url}runs/${live.runId}`);
          await open(other, `${viewer.url}compare?runs=${demo.runs[0].id},${live.runId}`);
          assert.equal(await page.locator("#live").isVisible(), true, "the live badge shows");
          const lastStep = (p: Page) =>
            p.locator("figure[data-metric=loss] canvas").getAttribute("data-last-step");
          assert.equal(await lastStep(page), "9");
          for (let step = 10; step < 25; step++) live.logMetric("loss", 1 / (step + 1), { step });
          live.logMetric("lr", 0.01, { step: 24 }); // a metric the page has not seen
          await client.flush();
          const t0 = Date.now();
          await until(page, "figure[data-metric=loss] canvas", "data-last-step", "24", 2000);
          await until(other, "figure[data-metric=loss] canvas", "data-points", "325", 2000);
          const seen = Date.now() - t0;
          await page.waitForSelector("figure[data-metric=lr]", { timeout: 2000 });
          assert.equal(navigations, 1, "no reload");
          await live.end();
          await client.flush();
          await until(page, "#status .status", "text", "finished", 3000);
          await until(page, "#live", "hidden", "", 3000);
          assert.ok(seen < 2000, `new points drawn ${seen} ms after they were logged`);
        });
      } finally {
        await viewer.close();
        await client.close();
        await local.close();
        await reader.close();
        await fake.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}

Deno.test("viewer: hostile names and artifacts run no script on any page" + note, async () => {
  if (skip) return;
  const { dir, client } = newStore();
  const ids = await buildHostile(client);
  const viewer = await serveViewer(client, { port: 0 });
  try {
    await withBrowser(async (browser) => {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const dialogs: string[] = [];
      page.on("dialog", (d) => {
        dialogs.push(d.message());
        d.dismiss();
      });
      for (
        const path of [
          "",
          `experiments/${ids.experimentId}`,
          `runs/${ids.runId}`,
          `compare?runs=${ids.runId}`,
        ]
      ) {
        await open(page, viewer.url + path);
        if (path.startsWith("runs/")) {
          for (const name of ["evil.html", "pic.svg", "table.csv", "plot.png"]) {
            await page.getByRole("treeitem").filter({ hasText: name }).locator("button").click();
            await page.waitForTimeout(150);
          }
          assert.match(await page.locator(".preview").innerText(), /plot\.png/);
          await page.getByRole("treeitem").filter({ hasText: "evil.html" }).locator("button")
            .click();
          await page.waitForSelector(".preview pre");
          assert.match(await page.locator(".preview pre").innerText(), /<script>window\.__pwned=6/);
          await shot(page, "hostile-run");
        }
        await page.locator("body").hover();
        assert.equal(
          await page.evaluate(() => (window as { __pwned?: number }).__pwned),
          undefined,
          path,
        );
      }
      await open(page, `${viewer.url}experiments/${ids.experimentId}`);
      assert.equal(await page.locator("h1").innerText(), HOSTILE.experiment, "shown as text");
      // An artifact opened directly: text, never a page.
      await page.goto(`${viewer.url}artifact?run=${ids.runId}&path=evil.html`);
      await page.goto(`${viewer.url}artifact?run=${ids.runId}&path=pic.svg`);
      assert.equal(await page.evaluate(() => (window as { __pwned?: number }).__pwned), undefined);
      assert.deepEqual(dialogs, []);
    });
  } finally {
    await viewer.close();
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test(
  "viewer: dragging across a long metric's chart zooms in and fetches that range's detail; Escape zooms out" +
    note,
  async () => {
    if (skip) return;
    const { dir, client } = newStore();
    const run = await client.startRun({ runName: "long" });
    for (let step = 0; step < 20_000; step++) run.logMetric("loss", Math.sin(step / 50), { step });
    await run.end();
    const viewer = await serveViewer(client, { port: 0 });
    try {
      await withBrowser(async (browser) => {
        const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
        await open(page, `${viewer.url}runs/${run.runId}`);
        const detail = page.waitForRequest((r) => /\/api\/series\?.*from=/.test(r.url()));
        const canvas = page.locator("figure[data-metric=loss] canvas");
        const box = (await canvas.boundingBox())!;
        await page.mouse.move(box.x + box.width * 0.4, box.y + 60);
        await page.mouse.down();
        await page.mouse.move(box.x + box.width * 0.45, box.y + 60, { steps: 4 });
        await page.mouse.up();
        const url = new URL((await detail).url());
        const [from, to] = [
          Number(url.searchParams.get("from")),
          Number(url.searchParams.get("to")),
        ];
        assert.ok(from > 6000 && to < 10_000 && to - from < 2000, `zoomed to steps ${from}..${to}`);
        assert.match(await page.locator("figure[data-metric=loss] .meta").innerText(), /zoomed/);
        await canvas.focus();
        await page.keyboard.press("Escape");
        assert.doesNotMatch(
          await page.locator("figure[data-metric=loss] .meta").innerText(),
          /zoomed/,
        );
      });
    } finally {
      await viewer.close();
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
