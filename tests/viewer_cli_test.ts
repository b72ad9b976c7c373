/**
 * The viewer's commands: `compare` in a terminal, `compare --html` and
 * `show --html` as self-contained files (opened offline in Chromium), and
 * `ui` as a real child process printing its URL.
 *
 * Deno only (excluded from `bun test` in .ci/run): Chromium runs take longer than Bun's 5 s test timeout.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { main } from "../src/cli.ts";
import { sourceLabel } from "../src/cli/source.ts";
import { buildDemo, buildHostile, CHROMIUM, CHROMIUM_ARGS, newStore } from "./viewer_store.ts";

/** Runs the CLI in-process; resolves to its exit code and what it printed. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const [log, error] = [console.log, console.error];
  let out = "";
  let err = "";
  console.log = (...a: unknown[]) => out += a.join(" ") + "\n";
  console.error = (...a: unknown[]) => err += a.join(" ") + "\n";
  try {
    return { code: await main(args), out, err };
  } finally {
    [console.log, console.error] = [log, error];
  }
}

Deno.test("compare in a terminal: the params that differ, each metric per run with a sparkline, no escape sequence", async () => {
  const { dir, client } = newStore();
  try {
    const demo = await buildDemo(client);
    const hostile = await buildHostile(client);
    await client.close();
    const ids = demo.runs.map((r) => r.id.slice(0, 8));
    const { code, out } = await cli(["compare", ...ids, "--store", dir]);
    assert.equal(code, 0);
    assert.match(out, /params that differ \(1; 3 the same\)/);
    assert.match(out, /^\s+lr\s+0\.1\s+0\.03\s+0\.01$/m);
    assert.doesNotMatch(out, /^\s+optimizer/m, "a param that is the same everywhere is not listed");
    assert.match(out, /^\s+loss\s+resnet-lr0\.1\s+[▁▂▃▄▅▆▇█]+/m);
    assert.match(out, /^\s+resnet-lr0\.03\s+[▁▂▃▄▅▆▇█]+/m, "one row per run");
    const hostileOut = (await cli(["compare", ids[0], hostile.runId, "--store", dir])).out;
    assert.ok(
      !hostileOut.includes("\x1b"),
      "a run name's escape sequence is not sent to the terminal",
    );
    assert.match(hostileOut, /\\x1b\]0;pwned\\x07<script>/);
    const one = await cli(["compare", ids[0], "--store", dir]);
    assert.equal(one.code, 2, "a command line it does not understand: usage, exit 2");
    assert.match(one.err, /compare needs RUN_ID/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test(
  "compare --html and show --html write self-contained pages that draw offline in Chromium" +
    (existsSync(CHROMIUM) || process.env.CI ? "" : " (browser part skipped)"),
  async () => {
    const { dir, client } = newStore();
    try {
      const demo = await buildDemo(client);
      await client.close();
      const cmpFile = join(dir, "compare.html");
      const runFile = join(dir, "run.html");
      const ids = demo.runs.map((r) => r.id);
      assert.equal((await cli(["compare", ...ids, "--store", dir, "--html", cmpFile])).code, 0);
      assert.equal((await cli(["show", ids[0], "--store", dir, "--html", runFile])).code, 0);
      for (const file of [cmpFile, runFile]) {
        const html = readFileSync(file, "utf8");
        assert.ok(
          !/<(script|link|img|iframe)[^>]*\s(src|href)=/i.test(html),
          `${file} loads nothing`,
        );
        assert.match(
          html,
          /<meta http-equiv="Content-Security-Policy" content="default-src 'none'/,
        );
      }
      if (!existsSync(CHROMIUM)) {
        if (process.env.CI) throw new Error(`CI must install ${CHROMIUM} (.ci/run does)`);
        return;
      }
      const { chromium } = await import("playwright-core");
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const requests: string[] = [];
        page.on("request", (r) => requests.push(r.url()));
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(e.message));
        await page.goto(`file://${cmpFile}`);
        await page.waitForSelector("body[data-ready]");
        const series = await page.locator("figure.chart canvas").evaluateAll((els) =>
          els.map((c) => [c.getAttribute("aria-label"), c.getAttribute("data-series")])
        );
        assert.equal(series.length, 3);
        for (const [label, n] of series) {
          assert.equal(n, "3", "a line per run");
          for (const r of demo.runs) assert.ok(label?.includes(r.name), `${label} names ${r.name}`);
        }
        await page.locator("canvas").first().hover({ position: { x: 200, y: 90 } });
        assert.match(await page.locator(".readout").first().innerText(), /resnet-lr0\.03/);
        await page.screenshot({ path: "tests/output/viewer/export-compare.png", fullPage: true });
        await page.goto(`file://${runFile}`);
        await page.waitForSelector("body[data-ready]");
        assert.equal(await page.locator("h1").innerText(), "resnet-lr0.1");
        assert.deepEqual(
          await page.locator("figure.chart").evaluateAll((f) =>
            f.map((x) => x.getAttribute("data-metric"))
          ),
          ["loss", "val/acc", "system/cpu_utilization_percentage"],
        );
        assert.deepEqual(requests, [`file://${cmpFile}`, `file://${runFile}`], "no other request");
        assert.deepEqual(errors, []);
      } finally {
        await browser.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

/** Starts `cli ui` as a child; resolves to the URL it prints and what it wrote to stderr. */
function startUi(args: string[]): Promise<{ url: string; stderr: () => string; stop: () => void }> {
  // The CLI runs under Deno here, whichever runtime runs the test.
  const deno = typeof (globalThis as { Deno?: unknown }).Deno === "undefined"
    ? "deno"
    : process.execPath;
  const child = spawn(
    deno,
    [
      "run",
      "--allow-net",
      "--allow-read",
      "--allow-env",
      "--allow-write",
      "--allow-sys",
      "src/cli.ts",
      "ui",
      ...args,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let err = "";
  child.stderr.on("data", (d) => err += d);
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/http:\/\/[^\s]+\//);
      if (m) resolve({ url: m[0], stderr: () => err, stop: () => child.kill() });
    });
    child.on("exit", (code) => reject(new Error(`ui exited ${code}: ${err}`)));
  });
}

Deno.test("ui serves a store on loopback and prints its URL; --port 0 takes a free port", async () => {
  const { dir, client } = newStore();
  await buildDemo(client);
  await client.close();
  const ui = await startUi(["--store", dir, "--port", "0"]);
  try {
    assert.match(ui.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const home = await fetch(ui.url);
    assert.equal(home.status, 200);
    assert.match(await home.text(), /vision/);
    assert.equal(ui.stderr().includes("WITHOUT authentication"), false);
  } finally {
    ui.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const bad = await cli(["ui", "--store", dir, "--port", "http"]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /--port needs a port number/);
});

Deno.test("ui --host other than loopback warns that it serves without authentication", async () => {
  const { dir, client } = newStore();
  await client.setExperiment("x");
  await client.close();
  const ui = await startUi(["--store", dir, "--port", "0", "--host", "127.0.0.2"]).catch((e) => {
    throw e;
  });
  try {
    await new Promise((r) => setTimeout(r, 100));
    assert.match(ui.stderr(), /WITHOUT authentication/);
    assert.equal((await fetch(ui.url)).status, 200);
  } finally {
    ui.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("show --html of a run with hostile names writes them as inert text, and opening it runs no script of theirs", async () => {
  const { dir, client } = newStore();
  try {
    const { runId } = await buildHostile(client);
    await client.close();
    const file = join(dir, "hostile.html");
    assert.equal((await cli(["show", runId, "--store", dir, "--html", file])).code, 0);
    const html = readFileSync(file, "utf8");
    for (const raw of ["<img src=x", "<script>window", "<svg onload", "\x1b"]) {
      assert.ok(!html.includes(raw), `the file holds ${JSON.stringify(raw)} raw`);
    }
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI) throw new Error(`CI must install ${CHROMIUM} (.ci/run does)`);
      return;
    }
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      await page.goto(`file://${file}`);
      await page.waitForSelector("body[data-ready]");
      await page.locator("canvas").first().hover();
      assert.match(await page.locator("h1").innerText(), /<script>window\.__pwned=2<\/script>/);
      assert.equal(
        await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned),
        undefined,
      );
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("show --html lists the run's datasets, as cli show does (the report left them out)", async () => {
  const { dir, client } = newStore();
  try {
    const { runs } = await buildDemo(client);
    await client.close();
    const file = join(dir, "run.html");
    assert.equal((await cli(["show", runs[0].id, "--store", dir, "--html", file])).code, 0);
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI) throw new Error(`CI must install ${CHROMIUM} (.ci/run does)`);
      assert.match(readFileSync(file, "utf8"), /cifar10/);
      return;
    }
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      await page.goto(`file://${file}`);
      await page.waitForSelector("body[data-ready]");
      const datasets = page.locator("table[aria-label=datasets]");
      await datasets.locator('td:text-is("cifar10")').waitFor({ timeout: 5_000 });
      assert.match(await datasets.innerText(), /training/);
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("ui names its source without a URL's user, password or query (where keys hide)", () => {
  const label = sourceLabel({ from: "https://me:s3cret@oicm.example/api/tracking?token=abc" });
  assert.equal(label, "https://oicm.example/api/tracking");
  assert.equal(sourceLabel({ store: "./mlruns" }), "./mlruns");
});
