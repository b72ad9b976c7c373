/**
 * A run's artifacts in a folder on this machine: the offline store's
 * `<run>/artifacts/`, or a server's `file:` artifact URI. Files are copied
 * (the system copies them, in bounded memory).
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { copyFile, readdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { copyAtomic, isTempName, writeAtomic } from "../core/file_io.ts";
import { makeFolders } from "../core/file_modes.ts";
import { pathInside } from "./inside_folder.ts";
import type { ArtifactEntry } from "../core/types.ts";
import type { ArtifactRepo } from "./artifact_repo.ts";

/** The folder a `file:` artifact URI (or a plain absolute path) names. */
export function localArtifactDir(uri: string): string {
  return uri.startsWith("file:") ? fileURLToPath(uri) : uri;
}

/** The artifacts of one run in a local folder. */
export class LocalArtifacts implements ArtifactRepo {
  readonly #dir: string;

  /** Artifacts in `dir` (made when the first one is stored). */
  constructor(dir: string) {
    this.#dir = dir;
  }

  async put(source: string | Uint8Array, artifactPath: string): Promise<void> {
    // Inside the run's folder on the real path, though a link was put in it.
    const target = pathInside(this.#dir, artifactPath);
    makeFolders(dirname(target));
    // Atomic, so a sync in another process never sends half a file.
    if (typeof source === "string") await copyAtomic(source, target);
    else await writeAtomic(target, source);
  }

  async list(path?: string): Promise<ArtifactEntry[]> {
    const dir = path === undefined ? this.#dir : join(this.#dir, ...path.split("/"));
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return []; // no such folder (or a file): nothing, as MLflow's list_artifacts
    }
    const out: ArtifactEntry[] = [];
    for (const e of entries) {
      if (isTempName(e.name)) continue;
      const rel = path === undefined ? e.name : `${path}/${e.name}`;
      if (e.isDirectory()) out.push({ path: rel, isDir: true });
      else if (e.isFile()) {
        out.push({ path: rel, isDir: false, fileSize: (await stat(join(dir, e.name))).size });
      } // a symbolic link is not listed: this client never makes one in a run's folder
    }
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  async get(path: string, dstFile: string): Promise<void> {
    // Read on the real path: a link put in the run's folder cannot hand out a file from outside.
    const source = pathInside(this.#dir, path);
    mkdirSync(dirname(dstFile), { recursive: true });
    await copyFile(source, dstFile);
  }
}
