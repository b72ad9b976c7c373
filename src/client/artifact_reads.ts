/**
 * Reading a run's artifacts back: a file, or a folder with everything below
 * it, downloaded into a local folder, as MLflow's `download_artifacts`.
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Backend } from "../core/backend.ts";
import type { ArtifactEntry } from "../core/types.ts";

/** Downloads `path` of a run (its whole artifacts when undefined) below `dstPath`; returns the local path. */
export async function downloadArtifacts(
  backend: Backend,
  runId: string,
  path: string | undefined,
  dstPath: string,
): Promise<string> {
  const local = (p: string) => join(dstPath, ...p.split("/"));
  const entries = await backend.listArtifacts(runId, path);
  if (path !== undefined && entries.length === 0) {
    // Not a folder (or an empty one): a file, which must exist.
    await backend.downloadArtifact(runId, path, local(path));
    return local(path);
  }
  const walk = async (list: ArtifactEntry[]): Promise<void> => {
    for (const entry of list) {
      if (entry.isDir) await walk(await backend.listArtifacts(runId, entry.path));
      else await backend.downloadArtifact(runId, entry.path, local(entry.path));
    }
  };
  await walk(entries);
  const root = path === undefined ? dstPath : local(path);
  mkdirSync(root, { recursive: true });
  return root;
}
