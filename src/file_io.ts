/**
 * File helpers of the FileStore layout: metric lines, keys as nested paths,
 * and atomic replacement of small files.
 *
 * @module
 */
import { renameSync, writeFileSync } from "node:fs";
import { open, readdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import type { MetricPoint } from "./types.ts";

/** Reads a metric value as JavaScript or Python print it (`NaN`, `nan`, `inf`, `3.0`). */
export function parseMetricValue(text: string): number {
  const t = text.toLowerCase();
  if (t === "nan") return NaN;
  if (t === "inf" || t === "infinity" || t === "+inf") return Infinity;
  if (t === "-inf" || t === "-infinity") return -Infinity;
  return Number(text);
}

/** Parses the lines of a metric file; a torn last line (no newline) is left out. */
export function parseMetricLines(key: string, text: string): MetricPoint[] {
  const lines = text.split("\n");
  if (lines.at(-1) !== "") lines.pop(); // the last line has no newline: being written
  const out: MetricPoint[] = [];
  for (const line of lines) {
    if (line === "") continue;
    const [ts, value, step] = line.split(" ");
    out.push({
      key,
      timestamp: Number(ts),
      value: parseMetricValue(value),
      step: Number(step ?? 0),
    });
  }
  return out;
}

export function keyPath(dir: string, key: string): string {
  return join(dir, ...key.split("/"));
}

export async function exists(path: string): Promise<boolean> {
  try {
    await readdir(path);
    return true;
  } catch {
    return false;
  }
}

/** Every file below `dir`, as `/`-joined keys (metrics, params or tags may hold slashes). */
export async function listKeys(dir: string, prefix = ""): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const key = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...await listKeys(join(dir, e.name), key));
    else if (!e.name.startsWith(".tmp-")) out.push(key);
  }
  return out;
}

let tmpCounter = 0;
/** {@linkcode writeAtomic}, synchronously. */
export function writeAtomicSync(path: string, text: string): void {
  const tmp = join(path, "..", `.tmp-${process.pid}-${tmpCounter++}`);
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Replaces a file's content atomically: write a sibling, then rename over it. */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = join(path, "..", `.tmp-${process.pid}-${tmpCounter++}`);
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/**
 * Reads a metric file from byte `from` in bounded chunks, yielding batches of
 * at most `maxLines` whole lines as points, each with the byte offset just
 * past its last line (metric lines are ASCII: one character, one byte). A
 * torn last line is left for the next read.
 */
export async function* readMetricChunks(
  path: string,
  key: string,
  from: number,
  maxLines = 1000,
  chunkBytes = 256 * 1024,
): AsyncGenerator<{ points: MetricPoint[]; end: number }> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch {
    return;
  }
  try {
    let offset = from; // the file position the next batch starts at
    let carry = "";
    let readAt = from;
    const buffer = new Uint8Array(chunkBytes);
    const decoder = new TextDecoder();
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, chunkBytes, readAt);
      if (bytesRead === 0) return;
      readAt += bytesRead;
      const text = carry + decoder.decode(buffer.subarray(0, bytesRead));
      const lines = text.split("\n");
      carry = lines.pop()!; // no newline yet: the rest of a line, or a torn one
      for (let i = 0; i < lines.length; i += maxLines) {
        const batch = lines.slice(i, i + maxLines);
        offset += batch.reduce((n, l) => n + l.length + 1, 0);
        yield { points: parseMetricLines(key, batch.join("\n") + "\n"), end: offset };
      }
    }
  } finally {
    await handle.close();
  }
}
