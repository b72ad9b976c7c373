/**
 * The sync record: per local run and per target, what was sent (the remote
 * run id, params, tags, bytes of each metric file, artifacts by size and
 * CRC-32, inputs, the end), in `sync.json` beside the run's files; and the
 * report and progress a sync gives.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeAtomic, writeAtomicSync } from "../core/file_io.ts";
import type { SyncIntent } from "./sync_intent.ts";

/** What one target knows of one local run. */
export interface SyncState {
  /** The run's id on the target; empty while its creation is only intended (see `intent`). */
  remoteRunId: string;
  /** Params already sent. */
  params: string[];
  /** Tags already sent, with the value sent. */
  tags: Record<string, string>;
  /** Per metric key, how many bytes of its file were sent (whole lines). */
  metricBytes: Record<string, number>;
  /** The status and end time last sent. */
  status?: string;
  endTime?: number;
  /** Artifact files sent: per path, its size, CRC-32 (base64) and modification time. */
  artifacts?: Record<string, { size: number; crc32: string; mtimeMs: number }>;
  /** Dataset inputs sent, by name and digest. */
  inputs?: string[];
  /** Logged models sent: local model id → the target's (empty: the target keeps none). */
  models?: Record<string, string>;
  /** What was about to be sent and is not known to have arrived (written before sending). */
  intent?: SyncIntent;
}

/**
 * What a sync did.
 *
 * @example
 * ```ts
 * import type { SyncReport } from "@oicm/tracking";
 * const line = (r: SyncReport) => `${r.runs} runs, ${r.metrics} points sent`;
 * ```
 */
export interface SyncReport {
  /** Runs looked at. */
  runs: number;
  /** Runs created on the target. */
  created: number;
  /** Metric points sent. */
  metrics: number;
  /** Params sent. */
  params: number;
  /** Tags sent. */
  tags: number;
  /** Runs whose status or end time was sent. */
  ended: number;
  /** Records the target refused (a param the run has there with another value); each is told. */
  refused: number;
  /** Artifact files sent. */
  artifacts: number;
  /** Logged models (MLflow 3) created on the target. */
  models: number;
}

/** A report with nothing done yet. */
export function emptyReport(): SyncReport {
  return {
    runs: 0,
    created: 0,
    metrics: 0,
    params: 0,
    tags: 0,
    ended: 0,
    refused: 0,
    artifacts: 0,
    models: 0,
  };
}

/**
 * Progress of a sync, reported after each run and each batch of points.
 *
 * @example
 * ```ts
 * import type { SyncProgress } from "@oicm/tracking";
 * const show = (p: SyncProgress) => `${p.runsDone}/${p.runsTotal} runs, ${p.pointsSent}/${p.pointsTotal} points`;
 * ```
 */
export interface SyncProgress {
  /** Runs finished so far. */
  runsDone: number;
  /** Runs to look at in all. */
  runsTotal: number;
  /** Metric points sent so far. */
  pointsSent: number;
  /** Metric points to send in all (as counted before the sync began). */
  pointsTotal: number;
}

const RECORD = "sync.json";

/** Reads a run's sync record. */
export async function readSyncRecord(runDir: string): Promise<Record<string, SyncState>> {
  try {
    return JSON.parse(await readFile(join(runDir, RECORD), "utf8"));
  } catch {
    return {};
  }
}

/** Writes one target's state into a run's sync record (atomically). */
export async function writeSyncState(
  runDir: string,
  target: string,
  state: SyncState,
): Promise<void> {
  const record = await readSyncRecord(runDir);
  record[target] = state;
  await writeAtomic(join(runDir, RECORD), JSON.stringify(record, null, 1));
}

/** {@linkcode writeSyncState} for a run whose record is new, synchronously. */
export function writeSyncStateSync(runDir: string, target: string, state: SyncState): void {
  writeAtomicSync(join(runDir, RECORD), JSON.stringify({ [target]: state }, null, 1));
}
