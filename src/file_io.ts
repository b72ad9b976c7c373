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
import { TrackingError } from "./errors.ts";
import { Point } from "./point.ts";
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
  const out: MetricPoint[] = [];
  let start = 0;
  for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
    if (end > start) out.push(parseMetricLine(key, text, start, end));
    start = end + 1;
  }
  return out;
}

/** The point on `text` from `start` to `end` (a line without its newline): `<ts> <value> [<step>]`. */
function parseMetricLine(key: string, text: string, start: number, end: number): Point {
  const a = text.indexOf(" ", start);
  if (a === -1 || a >= end) {
    throw new TrackingError(
      `metric '${key}': a line of its file is not '<timestamp> <value> <step>'`,
    );
  }
  const b = text.indexOf(" ", a + 1);
  const hasStep = b !== -1 && b < end;
  return new Point(
    key,
    parseMetricValue(text.slice(a + 1, hasStep ? b : end)),
    hasStep ? Number(text.slice(b + 1, end)) : 0,
    Number(text.slice(start, a)),
  );
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
 * torn last line is left for the next read. Chunks are 64 KB: a larger
 * decoded chunk would be a large object to V8, made straight in the old space.
 */
export async function* readMetricChunks(
  path: string,
  key: string,
  from: number,
  maxLines = 1000,
  chunkBytes = 64 * 1024,
): AsyncGenerator<{ points: MetricPoint[]; end: number }> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch {
    return;
  }
  try {
    let offset = from; // the file position just past the last whole line parsed
    let carry = "";
    let readAt = from;
    const buffer = new Uint8Array(chunkBytes);
    const decoder = new TextDecoder();
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, chunkBytes, readAt);
      if (bytesRead === 0) return;
      readAt += bytesRead;
      const text = carry + decoder.decode(buffer.subarray(0, bytesRead));
      let points: MetricPoint[] = [];
      let start = 0;
      for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
        if (end > start) points.push(parseMetricLine(key, text, start, end));
        offset += end + 1 - start;
        start = end + 1;
        if (points.length === maxLines) {
          yield { points, end: offset };
          points = [];
        }
      }
      if (points.length > 0) yield { points, end: offset };
      carry = text.slice(start); // no newline yet: the rest of a line, or a torn one
    }
  } finally {
    await handle.close();
  }
}
