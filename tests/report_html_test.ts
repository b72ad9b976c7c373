/**
 * `cli show --html`: a self-contained page, rendered in headless Chromium (Debian's package,
 * driven by playwright-core): it loads with no request, and each metric has its chart.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { TrackingClient } from "../mod.ts";
import { main } from "../src/cli.ts";
import { test } from "./harness.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

test(
  "cli show --html writes one page with a chart per metric, and it renders offline in Chromium" +
    (existsSync(CHROMIUM) || process.env.CI ? "" : " (browser part skipped: no " + CHROMIUM + ")"),
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "report-"));
    try {
      const client = new TrackingClient({ offline: true, storagePath: dir });
      await client.setExperiment("report <demo>");
      const run = await client.startRun({ runName: "fit & eval" });
      run.logParams({ lr: 0.01, note: "<script>alert(1)</script>" });
      for (let step = 0; step < 50; step++) {
        run.logMetrics({
          loss: 2 * 0.8 ** step,
          "val/acc": 1 - 0.5 * 0.9 ** step,
        }, { step });
      }
      run.logMetric("test_acc", 0.97);
      await run.end();
      await client.close();
      const file = join(dir, "report.html");
      const log = console.log;
      console.log = () => {};
      try {
        assert.equal(
          await main(["show", run.runId, "--store", dir, "--html", file]),
          0,
        );
      } finally {
        console.log = log;
      }
      const html = readFileSync(file, "utf8");
      assert.ok(
        !/<script|src=|href=|@import|url\(/i.test(html),
        "self-contained, and inert",
      );
      assert.match(
        html,
        /&lt;script&gt;alert\(1\)&lt;\/script&gt;/,
        "values are escaped",
      );
      if (!existsSync(CHROMIUM)) {
        if (process.env.CI) {
          throw new Error(`CI must install ${CHROMIUM} (.ci/run does)`);
        }
        return;
      }
      const { chromium } = await import("playwright-core");
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
        ],
      });
      try {
        const page = await browser.newPage();
        const requests: string[] = [];
        page.on("request", (r) => requests.push(r.url()));
        await page.goto(`file://${file}`);
        assert.deepEqual(
          requests,
          [`file://${file}`],
          "the page asks for nothing else",
        );
        assert.equal(await page.title(), "fit & eval — report <demo>");
        const charts = await page.locator("svg.chart").evaluateAll((svgs) =>
          svgs.map((svg) => ({
            metric: svg.getAttribute("data-metric"),
            drawn: svg.querySelector("polyline")?.getAttribute("points")?.split(" ")
              .length ?? 0,
            width: svg.getBoundingClientRect().width,
          }))
        );
        // Metrics with a history first, then single values.
        assert.deepEqual(charts.map((c) => c.metric), [
          "loss",
          "val/acc",
          "test_acc",
        ]);
        assert.deepEqual(
          charts.map((c) => c.drawn),
          [50, 50, 1],
          "every point drawn",
        );
        assert.ok(
          charts.every((c) => c.width > 100),
          "each chart has a size on the page",
        );
        assert.match(
          await page.locator("figure[data-metric=loss] figcaption").innerText(),
          /log scale/,
        );
      } finally {
        await browser.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("the HTML report lists the run's datasets, as cli show does (it left them out)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "report-"));
  try {
    const client = new TrackingClient({ offline: true, storagePath: dir });
    const run = await client.startRun({ runName: "with-data" });
    run.logMetric("loss", 0.1);
    await run.logInput({
      name: "mnist",
      digest: "d1",
      source: "s3://data/<mnist>",
      context: "training",
    });
    await run.end();
    await client.close();
    const file = join(dir, "report.html");
    const log = console.log;
    console.log = () => {};
    try {
      assert.equal(await main(["show", run.runId, "--store", dir, "--html", file]), 0);
    } finally {
      console.log = log;
    }
    const html = readFileSync(file, "utf8");
    assert.match(
      html,
      /<h2>Datasets<\/h2><ul class="datasets"><li>mnist \(d1\), training: s3:\/\/data\/&lt;mnist&gt;<\/li><\/ul>/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
