/**
 * Twin of `v2/06_offline_mode.py`: record offline into a local store (MLflow's FileStore
 * layout), to sync later with `deno task cli sync <store> --to <oicm-host>/api/tracking`.
 *
 * Run: deno run -A examples/oicm/06_offline_mode.ts [STORE]
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { TrackingClient } from "../../mod.ts";

const store = resolve(process.argv[2] ?? mkdtempSync(join(tmpdir(), "offline-tracking-store-")));
const tc = new TrackingClient({ offline: true, storagePath: store });
await tc.setExperiment("v2-offline-demo");

{
  await using run = await tc.startRun({ logSystemMetrics: false });
  run.logParams({ mode: "offline", model: "demo-model", run_label: "offline-run" });
  run.logMetric("score", 0.82, { step: 1 });
  run.logMetric("loss", 0.41, { step: 1 });
  writeFileSync(join(store, "demo-output.txt"), "offline artifact demo\n");
}
await tc.close();
console.log(`Offline tracking data written under: ${store}`);
