/**
 * Reading a run's artifacts back: a file, or a folder with everything below
 * it, downloaded into a local folder, as MLflow's `download_artifacts`.
 *
 * Safer than MLflow's Python client, which joins whatever the server lists to
 * the destination: every listed path passes the rule given artifact paths
 * pass (`artifacts/paths.ts`), and every file's real path, through symbolic
 * links already in the destination, stays inside it (`artifacts/inside_folder.ts`).
 * The whole listing is checked before the first file is written, so a bad
 * entry leaves nothing behind.
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import type { Backend } from "../core/backend.ts";
import { ValidationError } from "../core/errors.ts";
import type { ArtifactEntry } from "../core/types.ts";
import { pathInside } from "../artifacts/inside_folder.ts";
import { checkListedPath } from "../artifacts/paths.ts";

/** The same error with what it means for the download added. */
function nothingDownloaded(err: unknown): unknown {
  if (!(err instanceof ValidationError)) return err;
  return new ValidationError(`${err.message}; nothing was downloaded`, { code: err.code });
}

/** The files below `path` (a run's whole artifacts when undefined), every listed path checked. */
async function filesBelow(
  backend: Backend,
  runId: string,
  path: string | undefined,
): Promise<string[]> {
  const what = `the artifact listing of run ${runId}`;
  const files: string[] = [];
  const walk = async (under: string | undefined, list: ArtifactEntry[]): Promise<void> => {
    for (const entry of list) {
      const listed = checkListedPath(what, entry.path, under);
      if (entry.isDir) await walk(listed, await backend.listArtifacts(runId, listed));
      else files.push(listed);
    }
  };
  const entries = await backend.listArtifacts(runId, path);
  // Not a folder (or an empty one): a file, which must exist.
  if (path !== undefined && entries.length === 0) return [path];
  await walk(path, entries);
  return files;
}

/** Downloads `path` of a run (its whole artifacts when undefined) below `dstPath`; returns the local path. */
export async function downloadArtifacts(
  backend: Backend,
  runId: string,
  path: string | undefined,
  dstPath: string,
): Promise<string> {
  let files: string[];
  try {
    files = await filesBelow(backend, runId, path);
    for (const file of files) pathInside(dstPath, file); // every target, before any write
  } catch (err) {
    throw nothingDownloaded(err);
  }
  for (const file of files) {
    // Checked again just before writing: a folder made meanwhile cannot lead out.
    await backend.downloadArtifact(runId, file, pathInside(dstPath, file));
  }
  if (files.length === 1 && files[0] === path) return pathInside(dstPath, path); // a file
  const root = path === undefined ? dstPath : pathInside(dstPath, path);
  mkdirSync(root, { recursive: true });
  return root;
}
