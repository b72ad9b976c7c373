/**
 * Ending a run: its system metrics stop, its records are delivered, its
 * uploads land, then the server hears the end. The run is ended even when
 * delivery failed; the first failure is then thrown.
 *
 * @module
 */
import type { Backend } from "../core/backend.ts";
import { DeliveryError } from "../core/errors.ts";
import type { EndStatus, RunInfo } from "../core/types.ts";
import type { Batcher, RunRef } from "../delivery/batcher.ts";
import type { SystemMonitor } from "../system_metrics/system_metrics.ts";
import type { Recorder } from "./recorder.ts";
import type { Run } from "./run.ts";
import type { Transfers } from "./transfers.ts";

/** What ending a run touches. */
export interface EndingParts {
  backend: Backend;
  batcher: Batcher;
  recorder: Recorder;
  transfers: Transfers;
  monitors: Map<Run, SystemMonitor>;
}

/** Ends `run` with `status` after everything it logged has gone. */
export async function endRun(
  parts: EndingParts,
  run: Run,
  ref: RunRef,
  status: EndStatus,
): Promise<void> {
  await parts.monitors.get(run)?.stop();
  parts.monitors.delete(run);
  let info: RunInfo | undefined;
  let failure: unknown;
  try {
    info = await run.ready;
  } catch (err) {
    failure = err; // it never existed: it cannot be ended
  }
  try {
    await parts.batcher.flush(ref);
  } catch (err) {
    failure = err; // a DeliveryError, which includes a creation failure
  }
  // Artifacts still on their way land before the run is ended.
  const transfers = await parts.transfers.settle(run);
  if (transfers.length > 0) failure ??= new DeliveryError(transfers, transfers.length);
  if (info !== undefined) {
    const endTime = Date.now();
    try {
      await parts.backend.updateRun(info.runId, { status, endTime });
      info.status = status;
      info.endTime = endTime;
    } catch (err) {
      failure ??= err;
    }
  }
  parts.recorder.forget(ref);
  if (failure !== undefined) throw failure;
}
