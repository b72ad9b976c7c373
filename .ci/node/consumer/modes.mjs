// File modes on Node from the packed tarball: a store's files 0644 (folders 0755), a copied
// artifact too whatever its source's mode, and the spool's files 0600 (folders 0700), each less
// what the umask takes.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { TrackingClient } from "@oicm/tracking";
import { FakeMlflowServer } from "@oicm/tracking/testing";

const mask = process.umask();
const dir = mkdtempSync(join(tmpdir(), "node-modes-"));

/** Every path below `root` (itself included) whose mode is not the one wanted, with its mode. */
function wrong(root, file, folder) {
  const out = [];
  const check = (path, want) => {
    const mode = statSync(path).mode & 0o777;
    if (mode !== (want & ~mask)) out.push(`${path} ${mode.toString(8)}`);
  };
  const walk = (d) => {
    check(d, folder);
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else check(join(d, e.name), file);
    }
  };
  walk(root);
  return out;
}

const source = join(dir, "open.csv");
writeFileSync(source, "a,b\n");
chmodSync(source, 0o666);
const offline = new TrackingClient({ offline: true, storagePath: join(dir, "mlruns") });
const run = await offline.startRun();
for (let step = 0; step < 20; step++) run.logMetric("loss", step, { step });
run.logParam("lr", 0.1);
await run.logArtifact(source, "data");
await run.end();
await offline.close();
assert.deepEqual(wrong(join(dir, "mlruns"), 0o644, 0o755), [], "store modes");

const server = new FakeMlflowServer();
const { url } = await server.listen();
const spoolPath = join(dir, "spool");
const online = new TrackingClient({
  apiHost: url,
  spoolPath,
  spoolRetryMs: 60_000,
  logSystemMetrics: false,
  retry: { maxRetries: 1, initialDelayMs: 5, maxDelayMs: 10, maxElapsedMs: 1_000 },
  onNotice: () => {},
});
const spooled = await online.startRun();
server.faults.failNext(1_000_000, 503);
for (let step = 0; step < 20; step++) spooled.logMetric("loss", step, { step });
await online.flush();
assert.deepEqual(wrong(spoolPath, 0o600, 0o700), [], "spool modes");
server.faults.clear();
await spooled.end();
await online.close();
await server.close();
console.log("modes ok");
