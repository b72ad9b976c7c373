/**
 * The run and compare views as one self-contained HTML file each: the same
 * script and stylesheet as the served pages, inlined, with the data
 * (metrics reduced to every extreme per pixel column); no request when opened.
 *
 * @module
 */
import type { TrackingClient } from "../../mod.ts";
import { compareBoot, runBoot } from "./boot.ts";
import { ViewerData } from "./data.ts";
import { pageHtml } from "./page.ts";

/**
 * One run's page as a self-contained HTML file's text.
 *
 * @example
 * ```ts ignore
 * import { TrackingClient } from "@oicm/tracking";
 * const html = await runHtml(new TrackingClient({ offline: true, storagePath: "./mlruns" }), "RUN_ID");
 * ```
 */
export async function runHtml(client: TrackingClient, runId: string): Promise<string> {
  const boot = await runBoot(new ViewerData(client), runId, true);
  const title = boot.page === "run"
    ? `${boot.run.info.runName}${boot.experiment ? ` — ${boot.experiment.name}` : ""}`
    : "Run";
  return pageHtml(title, boot, true);
}

/**
 * The compare page of `runIds` as a self-contained HTML file's text.
 *
 * @example
 * ```ts ignore
 * import { TrackingClient } from "@oicm/tracking";
 * const html = await compareHtml(new TrackingClient({ offline: true, storagePath: "./mlruns" }), ["A", "B"]);
 * ```
 */
export async function compareHtml(
  client: TrackingClient,
  runIds: readonly string[],
): Promise<string> {
  const boot = await compareBoot(new ViewerData(client), runIds);
  const names = boot.page === "compare" ? boot.runs.map((r) => r.info.runName).join(", ") : "";
  return pageHtml(`Compare ${names}`, boot, true);
}
