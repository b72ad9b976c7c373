/** Every read command reads a server as well as a folder: --from URL, or the library's environment. */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { TrackingClient } from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { cli } from "./cli_capture.ts";
import { test } from "./harness.ts";

async function logged(apiHost: string, apiKey?: string): Promise<string> {
  const client = new TrackingClient({ apiHost, apiKey });
  await client.setExperiment("served");
  const run = await client.startRun({ runName: "online-run", logSystemMetrics: false });
  run.logParam("lr", 0.1);
  for (let s = 0; s < 3; s++) run.logMetric("loss", 1 / (s + 1), { step: s });
  await run.logText("hello", "notes/readme.txt");
  await run.end();
  await client.close();
  return run.runId;
}

test("runs, show, show --html and artifacts read a server with --from URL (they saw only folders before)", async () => {
  const server = new FakeMlflowServer();
  const { url } = await server.listen();
  const dir = mkdtempSync(join(tmpdir(), "cli-source-"));
  try {
    const runId = await logged(url);
    const runs = await cli(["runs", "--from", url]);
    assert.equal(runs.code, 0, runs.err);
    assert.match(runs.out, /^served \(1 run\)$/m);
    assert.match(runs.out, /online-run\s+\w{8}\s+FINISHED/);
    const show = await cli(["show", runId.slice(0, 8), "--from", url]);
    assert.equal(show.code, 0, show.err);
    assert.match(show.out, /experiment served, FINISHED/);
    assert.match(show.out, /loss\s+\S+\s+0\.3333/);
    const file = join(dir, "r.html");
    const html = await cli(["show", runId, "--from", url, "--html", file]);
    assert.equal(html.code, 0, html.err);
    // The viewer's run page, its data inlined: the run and its metric are in the file.
    const page = readFileSync(file, "utf8");
    assert.match(page, /"loss"/);
    assert.ok(page.includes(runId), "the run's data is inlined");
    const artifacts = await cli(["artifacts", runId, "notes", "--from", url]);
    assert.equal(artifacts.code, 0, artifacts.err);
    assert.match(artifacts.out, /notes\/readme\.txt\s+5 B/);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("with no --store or --from, the read commands read the server MLFLOW_TRACKING_URI names, with its token", async () => {
  const server = new FakeMlflowServer({ apiKey: "tok-123" });
  const { url } = await server.listen();
  const saved = { uri: process.env.MLFLOW_TRACKING_URI, token: process.env.MLFLOW_TRACKING_TOKEN };
  try {
    await logged(url, "tok-123");
    process.env.MLFLOW_TRACKING_URI = url;
    process.env.MLFLOW_TRACKING_TOKEN = "tok-123";
    const runs = await cli(["runs"]);
    assert.equal(runs.code, 0, runs.err);
    assert.match(runs.out, /online-run/);
    assert.ok(!`${runs.out}${runs.err}`.includes("tok-123"), "the key is never printed");
    delete process.env.MLFLOW_TRACKING_TOKEN;
    const refused = await cli(["runs"]);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /error: /);
  } finally {
    for (
      const [name, value] of [["MLFLOW_TRACKING_URI", saved.uri], [
        "MLFLOW_TRACKING_TOKEN",
        saved.token,
      ]]
    ) {
      if (value === undefined) delete process.env[name!];
      else process.env[name!] = value;
    }
    await server.close();
  }
});

test("--from file:DIR reads a folder; --store and --from together are refused", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cli-source-"));
  try {
    const client = new TrackingClient({ offline: true, storagePath: dir });
    const run = await client.startRun({ runName: "local" });
    await run.end();
    await client.close();
    const viaUri = await cli(["runs", "--from", `file:${dir}`]);
    assert.equal(viaUri.code, 0, viaUri.err);
    assert.match(viaUri.out, /local/);
    const both = await cli(["runs", "--from", "http://127.0.0.1:9", "--store", dir]);
    assert.equal(both.code, 1);
    assert.match(both.err, /--store DIR or --from URL, not both/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
