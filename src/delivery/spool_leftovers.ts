/**
 * Records a process left in its spool, sent by the next process that uses the
 * spool with the same server. A process marks its spooled runs as left when
 * it exits or closes with records still on disk (a file `.left` in the run's
 * folder); the next client whose server answers claims each left run of that
 * server (removing the mark, which only one process can do) and its drainer
 * sends it. A run a killed process was still writing carries no mark: that
 * one waits for `cli sync`, so no two processes ever write one spool run.
 *
 * @module
 */
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import type { FileBackend } from "../store/file_backend.ts";
import { SPOOL_MARKER } from "../sync/sync.ts";
import { readSyncRecord } from "../sync/sync_record.ts";

const LEFT = ".left";

/** Marks spool runs (by folder) as left by this process. */
export function markLeft(dirs: Iterable<string>): void {
  for (const dir of dirs) {
    try {
      writeFileSync(join(dir, LEFT), `left by process ${process.pid} at ${Date.now()}\n`);
    } catch {
      // A run folder already sent and removed: nothing is left there.
    }
  }
}

/**
 * Claims the runs left in a spool for `targetKey`: resolves to each one's
 * server run id and local id. Each claimed run is this process's alone.
 */
export async function claimLeft(
  store: FileBackend,
  targetKey: string,
): Promise<{ remote: string; local: string }[]> {
  if (!existsSync(join(store.root, SPOOL_MARKER))) return [];
  const claimed: { remote: string; local: string }[] = [];
  for (const local of await store.listRunIds("0")) {
    const dir = await store.runDirectory(local);
    const state = (await readSyncRecord(dir))[targetKey];
    if (state === undefined || state.remoteRunId === "" || !existsSync(join(dir, LEFT))) continue;
    try {
      rmSync(join(dir, LEFT)); // exactly one process removes it
    } catch {
      continue; // another process claimed it first
    }
    claimed.push({ remote: state.remoteRunId, local });
  }
  return claimed;
}
