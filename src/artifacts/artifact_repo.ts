/**
 * Where a run's artifacts are kept: a folder on this machine (offline, or a
 * `file:` artifact URI) or an MLflow/OICM artifact service. Each repository
 * stores a local file at a path, lists one level, and writes a file out.
 *
 * @module
 */
import type { ArtifactEntry } from "../core/types.ts";

/** The artifacts of one run. */
export interface ArtifactRepo {
  /** Stores a local file (a path) or bytes as `artifactPath` (its whole path in the run's artifacts). */
  put(source: string | Uint8Array, artifactPath: string): Promise<void>;
  /** One level below `path` (the root when absent); a file lists nothing. */
  list(path?: string): Promise<ArtifactEntry[]>;
  /** Writes the file at `path` to `dstFile`. */
  get(path: string, dstFile: string): Promise<void>;
}
