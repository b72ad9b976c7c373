/**
 * Every file is created with an explicit mode on every runtime: 0644 in a
 * store (folders 0755), 0600 in the spool (folders 0700, the spool's own
 * included), less whatever the umask takes. Before, Deno's appendFileSync made
 * metric files 0666 whatever the umask, and a copied artifact kept its
 * source's mode: any local user could append points synced later under the
 * user's key.
 */
import assert from "node:assert/strict";
import {
  chmodSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import process from "node:process";
import { TrackingClient } from "../mod.ts";
import { FileBackend } from "../src/store/file_backend.ts";
import { setup } from "./helpers.ts";
import { test } from "./harness.ts";

/** The umask, as the system applies it to a file made with mode 0666 and a folder with 0777. */
function umask(dir: string): { file: number; folder: number } {
  const probe = join(dir, "probe");
  closeSync(openSync(probe, "w", 0o666));
  mkdirSync(`${probe}.d`, { mode: 0o777 });
  const file = 0o666 & ~statSync(probe).mode & 0o777;
  const folder = 0o777 & ~statSync(`${probe}.d`).mode & 0o777;
  rmSync(probe);
  rmSync(`${probe}.d`, { recursive: true });
  return { file, folder };
}

/** `path` (relative to `root`) and mode of everything below `root`, and `root` itself. */
function modes(root: string): { files: Map<string, number>; folders: Map<string, number> } {
  const files = new Map<string, number>();
  const folders = new Map<string, number>([[".", statSync(root).mode & 0o777]]);
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      const mode = statSync(path).mode & 0o777;
      if (e.isDirectory()) {
        folders.set(relative(root, path), mode);
        walk(path);
      } else files.set(relative(root, path), mode);
    }
  };
  walk(root);
  return { files, folders };
}

/** Asserts every entry has `mode` (less the umask), naming those that do not. */
function assertModes(what: string, found: Map<string, number>, mode: number, mask: number) {
  const want = mode & ~mask;
  const wrong = [...found].filter(([, m]) => m !== want).map(([p, m]) => `${p} ${m.toString(8)}`);
  assert.deepEqual(wrong, [], `${what} not ${want.toString(8)}: ${wrong.join(", ")}`);
}

function scratch(): { dir: string } & Disposable {
  const dir = mkdtempSync(join(tmpdir(), "modes-"));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

test("a store's files are 0644 and folders 0755 on every runtime, metric files and copies too", async () => {
  using tmp = scratch();
  const mask = umask(tmp.dir);
  const source = join(tmp.dir, "open-to-all.csv");
  writeFileSync(source, "a,b\n1,2\n");
  chmodSync(source, 0o666); // a file anyone may write: its copy in the store must not be
  const root = join(tmp.dir, "mlruns");
  const client = new TrackingClient({ offline: true, storagePath: root, onNotice: () => {} });
  await client.setExperiment("modes", { tags: { team: "a" } });
  const run = await client.startRun({ runName: "modes" });
  for (let step = 0; step < 50; step++) run.logMetric("loss", 1 / (step + 1), { step });
  run.logParam("lr", 0.1);
  run.setTag("phase", "train");
  await run.logArtifact(source, "data");
  await run.logText("hello", "notes/hello.txt");
  await run.logInput({ name: "mnist", source: "s3://data/mnist", context: "training" });
  await run.end();
  await client.close();
  const { files, folders } = modes(root);
  assert.ok(files.has(join("1", run.runId, "metrics", "loss")), [...files.keys()].join(", "));
  assert.ok(files.has(join("1", run.runId, "artifacts", "data", "open-to-all.csv")));
  assertModes("store files", files, 0o644, mask.file);
  assertModes("store folders", folders, 0o755, mask.folder);
});

test("a logged model's folders in a store are 0755 whatever the umask (they were 0777 under umask 0)", async () => {
  using tmp = scratch();
  const root = join(tmp.dir, "mlruns");
  const before = process.umask(0); // the umask takes nothing: only the modes asked for count
  try {
    const client = new TrackingClient({ offline: true, storagePath: root, onNotice: () => {} });
    await client.withRun({ runName: "model" }, async (run) => {
      await run.logModel({
        files: { "w.bin": new Uint8Array(3) },
        flavors: { f: { data: "w.bin" } },
      });
    });
    await client.close();
  } finally {
    process.umask(before);
  }
  const { files, folders } = modes(root);
  assert.ok([...folders.keys()].some((p) => p.includes(join("models", "m-"))), "a logged model");
  assertModes("store files", files, 0o644, 0);
  assertModes("store folders", folders, 0o755, 0);
});

test("the spool's files are 0600 and its folders, its own included, 0700", async () => {
  using tmp = scratch();
  const mask = umask(tmp.dir);
  const spoolPath = join(tmp.dir, "spool");
  await using t = await setup({ client: { spoolPath, spoolRetryMs: 60_000 } });
  const run = await t.client.startRun({ runName: "spooled" });
  t.server.faults.failNext(1_000_000, 503); // down past the retry budget: records go to disk
  for (let step = 0; step < 50; step++) run.logMetric("loss", step, { step });
  run.logParam("lr", 0.1);
  run.setTag("phase", "outage");
  await t.client.flush();
  await run.logText("kept for later", "notes/later.txt");
  const { files, folders } = modes(spoolPath);
  assert.ok([...files.keys()].some((p) => p.endsWith(join("metrics", "loss"))), "spooled");
  assert.ok([...files.keys()].some((p) => p.endsWith("later.txt")), "the artifact waits too");
  assertModes("spool files", files, 0o600, mask.file);
  assertModes("spool folders", folders, 0o700, mask.folder);
  t.server.faults.clear();
});

test("a spool opened as a plain store (cli sync <spool>) keeps what it adds private", async () => {
  using tmp = scratch();
  const mask = umask(tmp.dir);
  const spool = join(tmp.dir, "copied-spool");
  mkdirSync(spool, { mode: 0o700 });
  writeFileSync(join(spool, ".spool"), "records waiting for a tracking server\n", { mode: 0o600 });
  const store = new FileBackend(spool); // as sync opens it: not told it is private
  const experimentId = await store.createExperiment("e", { team: "a" });
  const run = await store.createRun({ experimentId, startTime: 1, tags: {} });
  await store.logBatch({
    runId: run.info.runId,
    metrics: [{ key: "loss", value: 1, step: 0, timestamp: 1 }],
    params: [{ key: "lr", value: "0.1" }],
    tags: [],
  });
  const { files, folders } = modes(spool);
  assertModes("files", files, 0o600, mask.file);
  assertModes("folders", folders, 0o700, mask.folder);
});
