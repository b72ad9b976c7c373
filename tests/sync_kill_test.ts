/**
 * `cli sync` SIGKILLed at any moment and run again sends each batch once and
 * creates each run once. The worst moments are made on purpose: a loopback
 * proxy forwards a request to the fake server, lets it store it, then holds
 * the answer while the test kills the sync process.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TrackingClient } from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";

const CLI = new URL("../src/cli.ts", import.meta.url).pathname;

/** A local store: two runs, 2,500 + 1,200 points over three keys (several batches each). */
async function store(
  experiment = "kill-exp",
): Promise<{ dir: string; points: Record<string, Record<string, number>> }> {
  const dir = mkdtempSync(join(tmpdir(), "sync-kill-"));
  const client = new TrackingClient({ offline: true, storagePath: dir });
  await client.setExperiment(experiment);
  const a = await client.startRun({ runName: "a" });
  a.logParams({ lr: 0.1 });
  a.setTag("phase", "train");
  for (let s = 0; s < 2500; s++) a.logMetric("loss", 1 / (s + 1), { step: s, timestamp: 1 + s });
  for (let s = 0; s < 700; s++) a.logMetric("acc", s / 700, { step: s, timestamp: 1 + s });
  await a.end();
  const b = await client.startRun({ runName: "b" });
  for (let s = 0; s < 1200; s++) b.logMetric("loss", s, { step: s, timestamp: 1 + s });
  await b.end("FAILED");
  await client.close();
  return { dir, points: { a: { loss: 2500, acc: 700 }, b: { loss: 1200 } } };
}

/**
 * A proxy to `upstream` that, for the `nth` request (1-based) whose path ends in
 * `route`, forwards it, waits for the server's answer, then never answers.
 */
async function proxy(upstream: string, hold?: { route: string; nth: number }) {
  let seen = 0;
  let onHeld: () => void = () => {};
  const held = new Promise<void>((r) => onHeld = r);
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const body: Uint8Array[] = [];
    for await (const c of req) body.push(c);
    const answer = await fetch(upstream + req.url, {
      method: req.method,
      headers: { "content-type": req.headers["content-type"] ?? "application/json" },
      body: req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(body),
    });
    const text = await answer.text(); // the server has stored the request now
    if (hold !== undefined && req.url?.split("?")[0].endsWith(hold.route) && ++seen === hold.nth) {
      onHeld();
      return; // the answer never leaves
    }
    res.writeHead(answer.status, { "content-type": "application/json" });
    res.end(text);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    held,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A runtime to run the CLI with: Deno, or Bun (found on the PATH). */
type Runtime = "deno" | "bun";

/** Starts `cli sync dir --to url`; `exited` resolves to its exit code (or signal). */
function startSync(dir: string, to: string, runtime: Runtime = "deno") {
  const [cmd, args] = runtime === "deno" ? [Deno.execPath(), ["run", "-A", CLI]] : ["bun", [CLI]];
  const child = spawn(cmd, [...args, "sync", dir, "--to", to], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...Deno.env.toObject(), NO_COLOR: "1" },
  });
  let output = "";
  child.stdout.on("data", (d) => output += d);
  child.stderr.on("data", (d) => output += d);
  const exited = new Promise<number | string>((r) =>
    child.on("exit", (code, signal) => r(code ?? signal ?? -1))
  );
  return { child, exited, output: () => output };
}

/** Asserts the server holds each local run once, with exactly its points. */
function assertExactlyOnce(
  server: FakeMlflowServer,
  points: Record<string, Record<string, number>>,
) {
  const runs = [...server.store().runs.values()];
  for (const [name, keys] of Object.entries(points)) {
    const named = runs.filter((r) => r.info.run_name === name);
    assert.equal(named.length, 1, `runs named ${name}: ${named.length}`);
    for (const [key, n] of Object.entries(keys)) {
      assert.equal(named[0].history.get(key)?.length, n, `${name}/${key}`);
    }
  }
  assert.equal(runs.length, Object.keys(points).length);
  const a = runs.find((r) => r.info.run_name === "a")!;
  assert.equal(a.params.get("lr"), "0.1");
  assert.equal(a.tags.get("phase"), "train");
  assert.equal(a.info.status, "FINISHED");
  assert.equal(runs.find((r) => r.info.run_name === "b")!.info.status, "FAILED");
}

/** Kills a sync the moment the proxy holds the `nth` answer of `route`, then syncs again. */
async function killWhenHeld(route: string, nth: number, runtime?: Runtime): Promise<void> {
  const { dir, points } = await store();
  const server = new FakeMlflowServer();
  const { url } = await server.listen();
  const p = await proxy(url, { route, nth });
  try {
    const first = startSync(dir, p.url, runtime);
    const outcome = await Promise.race([p.held.then(() => "held"), first.exited]);
    assert.equal(outcome, "held", `the sync ended before the held answer: ${first.output()}`);
    first.child.kill("SIGKILL");
    assert.equal(await first.exited, "SIGKILL");
    const again = startSync(dir, p.url, runtime); // the same target (sync records are per address)
    assert.equal(await again.exited, 0, again.output());
    assertExactlyOnce(server, points);
  } finally {
    await p.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

Deno.test("sync killed after the server created the run, before its answer: one run, not two", async () => {
  await killWhenHeld("runs/create", 1);
});

Deno.test("sync killed after the server stored a batch of points, before its answer: each point once", async () => {
  await killWhenHeld("runs/log-batch", 3); // params, tags, then the first 1,000 points
});

Deno.test("sync killed after the second run's creation was stored: each run once", async () => {
  await killWhenHeld("runs/create", 2);
});

Deno.test({
  name:
    "under Bun too: sync killed before the answers of runs/create and log-batch sends each once",
  ignore: !hasBun(),
  fn: async () => {
    await killWhenHeld("runs/create", 1, "bun");
    await killWhenHeld("runs/log-batch", 4, "bun");
  },
});

const REAL = Deno.env.get("MLFLOW_SERVER_URL");

Deno.test({
  name:
    "on a real mlflow server: sync killed before the answers of runs/create and log-batch, each once",
  ignore: REAL === undefined,
  fn: async () => {
    for (const [route, nth] of [["runs/create", 1], ["runs/log-batch", 3]] as const) {
      const experiment = `kill-${crypto.randomUUID().slice(0, 8)}`;
      const { dir, points } = await store(experiment);
      const p = await proxy(REAL!, { route, nth });
      try {
        const first = startSync(dir, p.url);
        assert.equal(await Promise.race([p.held.then(() => "held"), first.exited]), "held");
        first.child.kill("SIGKILL");
        await first.exited;
        const again = startSync(dir, p.url);
        assert.equal(await again.exited, 0, again.output());
        const client = new TrackingClient({ apiHost: REAL!, onNotice: () => {} });
        await client.setExperiment(experiment);
        const runs = await client.searchRuns();
        assert.deepEqual(runs.map((r) => r.info.runName).sort(), ["a", "b"], route);
        for (const run of runs) {
          for (const [key, n] of Object.entries(points[run.info.runName])) {
            const history = await client.getMetricHistory(run.info.runId, key);
            assert.equal(history.length, n, `${route}: ${run.info.runName}/${key}`);
          }
        }
        await client.close();
      } finally {
        await p.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  },
});

Deno.test("sync killed at random moments, four times over, then finished: each run and point once", async () => {
  const { dir, points } = await store();
  const server = new FakeMlflowServer();
  const { url } = await server.listen();
  try {
    for (let trial = 0; trial < 4; trial++) {
      const run = startSync(dir, url);
      // Kill once the child is sending (it asked the server something), after a random delay.
      const asked = server.count("runs/log-batch") + server.count("runs/create");
      const deadline = Date.now() + 10_000;
      while (
        server.count("runs/log-batch") + server.count("runs/create") === asked &&
        Date.now() < deadline
      ) {
        if (await Promise.race([run.exited.then(() => true), sleep(2).then(() => false)])) break;
      }
      await sleep(Math.random() * 40);
      run.child.kill("SIGKILL");
      await run.exited;
    }
    const last = startSync(dir, url);
    assert.equal(await last.exited, 0, last.output());
    assertExactlyOnce(server, points);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function hasBun(): boolean {
  try {
    return new Deno.Command("bun", { args: ["--version"], stdout: "null" }).outputSync().success;
  } catch {
    return false;
  }
}
