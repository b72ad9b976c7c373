/**
 * A run's artifact files sent by sync, each once: a file whose size and
 * modification time match what was sent is skipped, one whose size and CRC-32
 * match too (touched, not changed); the rest go, each recorded once it has.
 *
 * @module
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Backend } from "../core/backend.ts";
import { keyPath, listKeys } from "../core/file_io.ts";
import { crc32Base64, fileCrc32 } from "../artifacts/crc32.ts";
import { retargetMlmodel } from "./sync_models.ts";
import type { SyncReport, SyncState } from "./sync_record.ts";

/**
 * Sends a run's artifact files the target lacks: a file whose size and
 * modification time match what was sent is skipped; one whose size and CRC-32
 * match is too (it was touched, not changed); the rest go, each recorded once
 * it has.
 */
export async function syncArtifacts(
  target: Backend,
  dir: string,
  state: SyncState,
  save: () => Promise<void>,
  report: SyncReport,
): Promise<void> {
  const artifactsDir = join(dir, "artifacts");
  const sent = state.artifacts ??= {};
  for (const path of await listKeys(artifactsDir)) {
    const file = keyPath(artifactsDir, path);
    const { size, mtimeMs } = await stat(file);
    const before = sent[path];
    if (before !== undefined && before.size === size && before.mtimeMs === mtimeMs) continue;
    const crc = crc32Base64(await fileCrc32(file));
    if (before === undefined || before.size !== size || before.crc32 !== crc) {
      // A model's MLmodel names its logged model: the target's id goes, not this store's.
      const source = /(^|\/)MLmodel$/.test(path) && state.models !== undefined
        ? new TextEncoder().encode(retargetMlmodel(await readFile(file, "utf8"), state))
        : file;
      await target.logArtifact(state.remoteRunId, source, path);
      report.artifacts++;
    }
    sent[path] = { size, crc32: crc, mtimeMs };
    await save();
  }
}
