/**
 * Where a run's artifacts are kept: a folder on this machine (offline, or a
 * `file:` artifact URI) or an MLflow/OICM artifact service. Each repository
 * stores a local file at a path, lists one level, and writes a file out.
 *
 * @module
 */

/**
 * One entry of a run's artifacts, as `listArtifacts` returns it (MLflow's `FileInfo`).
 *
 * @example
 * ```ts
 * import type { ArtifactEntry } from "@oicm/tracking";
 * const line = (e: ArtifactEntry) => e.isDir ? `${e.path}/` : `${e.path} (${e.fileSize} bytes)`;
 * ```
 */
export interface ArtifactEntry {
  /** The path in the run's artifacts, such as `model/model.json`. */
  path: string;
  /** Whether it is a folder. */
  isDir: boolean;
  /** A file's size in bytes, when known. */
  fileSize?: number;
}

/** The artifacts of one run. */
export interface ArtifactRepo {
  /** Stores a local file (a path) or bytes as `artifactPath` (its whole path in the run's artifacts). */
  put(source: string | Uint8Array, artifactPath: string): Promise<void>;
  /** One level below `path` (the root when absent); a file lists nothing. */
  list(path?: string): Promise<ArtifactEntry[]>;
  /** Writes the file at `path` to `dstFile`. */
  get(path: string, dstFile: string): Promise<void>;
}
