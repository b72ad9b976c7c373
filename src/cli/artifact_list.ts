/**
 * A run's artifacts in a terminal: `cli artifacts RUN_ID [PATH]` lists one
 * level (folders first marked with `/`), `cli show` every file below the root,
 * each with its size.
 *
 * @module
 */
import type { ArtifactEntry, TrackingClient } from "../../mod.ts";
import { table } from "./format.ts";

/** A size for people: `812 B`, `4.2 KiB`, `1.0 GiB`. */
export function bytes(n: number | undefined): string {
  if (n === undefined) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let unit = 0;
  let value = n;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Every file below `path` (the root by default), at most `limit`; `more` when there were more. */
export async function allFiles(
  client: TrackingClient,
  runId: string,
  limit = 200,
): Promise<{ files: ArtifactEntry[]; more: boolean }> {
  const files: ArtifactEntry[] = [];
  const walk = async (path?: string): Promise<boolean> => {
    for (const entry of await client.listArtifacts(runId, path)) {
      if (files.length >= limit) return true;
      if (entry.isDir) {
        if (await walk(entry.path)) return true;
      } else files.push(entry);
    }
    return false;
  };
  const more = await walk();
  return { files, more };
}

/** Entries as a two-column table: path (a folder ends in `/`) and size. */
export function artifactTable(entries: ArtifactEntry[], columns = 100): string {
  const rows = [["PATH", "SIZE"]];
  for (const e of entries) rows.push([e.isDir ? `${e.path}/` : e.path, bytes(e.fileSize)]);
  return table(rows, columns);
}
