/**
 * File helpers of the FileStore layout: metric lines, keys as nested paths,
 * and atomic replacement of small files. Every file is created with its mode
 * (see `file_modes.ts`), never the runtime's default.
 *
 * @module
 */
import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { chmod, copyFile, open, readdir, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { fileMode, folderMode } from "./file_modes.ts";
import { Point } from "./point.ts";
import type { MetricPoint } from "./types.ts";

/** Reads a metric value as JavaScript or Python print it (`NaN`, `nan`, `inf`, `3.0`). */
export function parseMetricValue(text: string): number {
  const t = text.toLowerCase().replace(/^\+/, "");
  if (t === "nan" || t === "-nan") return NaN;
  if (t === "inf" || t === "infinity") return Infinity;
  if (t === "-inf" || t === "-infinity") return -Infinity;
  return Number(text);
}

/** Called for a line that is not a metric line: its 1-based number in the text, and the line. */
export type BadLine = (lineNumber: number, line: string) => void;

/**
 * Parses the lines of a metric file; a torn last line (no newline) is left
 * out silently (a process killed mid-write leaves one), and a whole line that
 * is not `<timestamp> <value> [<step>]` is left out and handed to `onBad`.
 */
export function parseMetricLines(key: string, text: string, onBad?: BadLine): MetricPoint[] {
  const out: MetricPoint[] = [];
  let start = 0;
  let line = 0;
  for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
    line++;
    if (end > start) {
      const point = parseMetricLine(key, text, start, end);
      if (point !== undefined) out.push(point);
      else onBad?.(line, text.slice(start, Math.min(end, start + 80)));
    }
    start = end + 1;
  }
  return out;
}

const INTEGER = /^-?\d+$/;
/** A float as Python's `float()` or JavaScript prints it (`3.0`, `1e-07`, `nan`, `-Infinity`). */
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?(?:nan|inf|infinity)$/i;

/**
 * The point on `text` from `start` to `end` (a line without its newline):
 * `<ts> <value> [<step>]`, or undefined when the line is not one.
 */
function parseMetricLine(key: string, text: string, start: number, end: number): Point | undefined {
  const a = text.indexOf(" ", start);
  if (a === -1 || a >= end) return undefined;
  const b = text.indexOf(" ", a + 1);
  const hasStep = b !== -1 && b < end;
  const timestamp = text.slice(start, a);
  const value = text.slice(a + 1, hasStep ? b : end);
  const step = hasStep ? text.slice(b + 1, end) : "0";
  if (!INTEGER.test(timestamp) || !FLOAT.test(value) || !INTEGER.test(step)) return undefined;
  return new Point(key, parseMetricValue(value), Number(step), Number(timestamp));
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

/**
 * Every file below `dir`, as `/`-joined keys (metrics, params or tags may hold
 * slashes). Only regular files and folders: a symbolic link is not followed
 * nor listed (this client never makes one in a store; one put there could lead
 * a sync to upload a file from outside it).
 */
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
    else if (e.isFile() && !e.name.startsWith(TMP_PREFIX)) out.push(key);
  }
  return out;
}

/**
 * How temporary files begin: `#` is a character no key may hold, so a temp file
 * is never taken for a key, and no key is ever hidden as a temp file.
 */
const TMP_PREFIX = "#tmp.";
let tmpCounter = 0;

function tmpBeside(path: string): string {
  return join(path, "..", `${TMP_PREFIX}${process.pid}.${tmpCounter++}`);
}

/** Writes all of `data` at the file's current position (its end, when opened to append). */
function writeAllSync(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
}

/** Creates (or truncates) `file` with the mode `path` gets, and writes `data` into it. */
function writeFileWithModeSync(file: string, path: string, data: string | Uint8Array): void {
  const fd = openSync(file, "w", fileMode(path));
  try {
    writeAllSync(fd, data);
  } finally {
    closeSync(fd);
  }
}

/**
 * Appends to a file, created with its mode when absent, in one write (a
 * reader sees whole lines or none of them).
 */
export function appendSync(path: string, data: string | Uint8Array): void {
  const fd = openSync(path, "a", fileMode(path));
  try {
    writeAllSync(fd, data);
  } finally {
    closeSync(fd);
  }
}

/** {@linkcode writeAtomic}, synchronously. */
export function writeAtomicSync(path: string, text: string): void {
  const tmp = tmpBeside(path);
  writeFileWithModeSync(tmp, path, text);
  renameSync(tmp, path);
}

/** Replaces a file's content atomically: write a sibling, then rename over it. */
export async function writeAtomic(path: string, text: string | Uint8Array): Promise<void> {
  const tmp = tmpBeside(path);
  const handle = await open(tmp, "w", fileMode(path));
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}

/**
 * Copies a file into place atomically: a reader sees the old file or the whole
 * new one. The copy gets the store's mode, not the source's (a file anyone may
 * write stays out of reach once in the store).
 */
export async function copyAtomic(source: string, path: string): Promise<void> {
  const tmp = tmpBeside(path);
  try {
    // Made first with its mode (so the umask applies), then filled: a copy takes the source's mode.
    const handle = await open(tmp, "w", fileMode(path));
    const { mode } = await handle.stat().finally(() => handle.close());
    await copyFile(source, tmp);
    await chmod(tmp, mode & 0o777);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
}

/** Whether a file name is one of our temporary files (never a key, never an artifact). */
export function isTempName(name: string): boolean {
  return name.startsWith(TMP_PREFIX);
}

/**
 * Creates a file whole, only if it does not exist, atomically across
 * processes (a sibling is written, then hard-linked into place, which fails
 * if the name is taken). Resolves false, writing nothing, when it exists.
 */
export function createExclusiveSync(path: string, text: string): boolean {
  const tmp = tmpBeside(path);
  writeFileWithModeSync(tmp, path, text);
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === "EEXIST") return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

/** `file`, `dir`, or undefined when nothing is at `path`. */
function kindAt(path: string): "file" | "dir" | undefined {
  try {
    return statSync(path).isDirectory() ? "dir" : "file";
  } catch {
    return undefined;
  }
}

/**
 * Where keys of one kind (a run's metrics, params or tags) go as files: a key
 * `a/b` is the file `b` in the folder `a`, so `a` and `a/b` cannot both be
 * stored. Checks keys against what is on disk and what this batch has placed.
 */
export class KeyFiles {
  readonly #dir: string;
  readonly #files = new Set<string>();
  readonly #folders = new Set<string>();
  /** Folders made (or found) already, so each is made once per batch. */
  readonly #made = new Set<string>();

  /** Keys below `dir`. */
  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Why `key` cannot be stored beside the keys there, or undefined when it can. */
  conflict(key: string): string | undefined {
    const parts = key.split("/");
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join("/");
      if (this.#files.has(prefix) || kindAt(keyPath(this.#dir, prefix)) === "file") {
        return `'${prefix}' is a key of its own, so '${key}' cannot be stored below it (MLflow's file store keeps keys as files)`;
      }
    }
    if (this.#folders.has(key) || kindAt(keyPath(this.#dir, key)) === "dir") {
      return `keys below '${key}/' exist, so '${key}' cannot be stored (MLflow's file store keeps keys as files)`;
    }
    return undefined;
  }

  /** Records that `key` is now a file (so later keys of the batch are checked against it). */
  place(key: string): string {
    this.#files.add(key);
    const parts = key.split("/");
    for (let i = 1; i < parts.length; i++) this.#folders.add(parts.slice(0, i).join("/"));
    const path = keyPath(this.#dir, key);
    const parent = join(path, "..");
    if (!this.#made.has(parent)) {
      mkdirSync(parent, { recursive: true, mode: folderMode(parent) });
      this.#made.add(parent);
    }
    return path;
  }
}

/**
 * Reads a metric file from byte `from` as raw bytes, yielding runs of at most
 * `maxLines` whole lines, the number of lines, and the byte offset just past
 * them. A torn last line is left for the next read. The bytes are valid until
 * the next step of the iteration (one buffer is reused).
 */
export async function* readMetricLineChunks(
  path: string,
  from: number,
  maxLines = 1000,
  chunkBytes = 64 * 1024,
): AsyncGenerator<{ lines: Uint8Array; count: number; end: number }> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch {
    return;
  }
  try {
    const buffer = new Uint8Array(chunkBytes);
    let filled = 0; // bytes in the buffer, from file position `offset`
    let offset = from;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, chunkBytes - filled, offset + filled);
      filled += bytesRead;
      let start = 0;
      for (;;) {
        let count = 0;
        let end = start;
        for (let i = start; i < filled && count < maxLines; i++) {
          if (buffer[i] === 0x0a) {
            count++;
            end = i + 1;
          }
        }
        if (count === 0) break;
        yield { lines: buffer.subarray(start, end), count, end: offset + end };
        start = end;
      }
      // Keep the rest (a line not yet whole) at the front and read on after it.
      buffer.copyWithin(0, start, filled);
      offset += start;
      filled -= start;
      if (bytesRead === 0) return;
      if (filled === chunkBytes) throw new Error(`${path}: a line longer than ${chunkBytes} bytes`);
    }
  } finally {
    await handle.close();
  }
}
