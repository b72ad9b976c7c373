/**
 * A run's latest metric values (what `getRun` and `searchRuns` report) without
 * reading whole metric files each time.
 *
 * A metric file is only ever appended to, so the latest point of its first
 * `bytes` bytes stays the latest of those bytes. Each large file's summary
 * (the latest point of its whole lines, where they end, and the file's
 * identity, size and mtime when read) is kept in memory and in the run's
 * `.metric_latest.json`, shared by every process reading the store. A summary
 * is used only as the file allows:
 *
 * - the same inode, size and mtime: used as it is, the file is not opened;
 * - the same inode and larger: only the bytes appended since are read, after
 *   checking that the file's first bytes and the bytes before `bytes` are the
 *   ones summarized (an append leaves them as they were);
 * - anything else (another inode, smaller, the same size with another mtime,
 *   boundary bytes that differ, a summary that does not parse): the file is
 *   read whole again and the summary rebuilt.
 *
 * Only whole lines are summarized: a torn last line (a write in progress, a
 * writer killed mid-write) is read again with whatever completes it. The
 * summary file is replaced by rename, so a reader sees one writer's summary
 * whole; two processes writing it at once lose nothing but a little work.
 * Small files are read whole every time (no cheaper than the summary).
 *
 * @module
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { join } from "node:path";
import { keyPath, writeAtomicSync } from "../core/file_io.ts";
import { type Latest, type OnBadLine, scanLatest } from "./metric_scan.ts";

/** The summary file in a run's folder (MLflow's FileStore reads nothing but its own names there). */
export const LATEST_FILE = ".metric_latest.json";
/** Files up to this size are read whole, never summarized. */
const SMALL = 64 * 1024;
/** How many bytes of the file's start and of the last summarized line are checked. */
const EDGE = 64;
/** Bad lines kept per summary, so a process reading only the summary still tells of them. */
const MAX_BAD = 100;

interface Summary {
  ino: number;
  size: number;
  mtimeMs: number;
  /** Bytes of whole lines summarized (up to the last newline read). */
  bytes: number;
  /** Lines in those bytes. */
  lines: number;
  /** The file's first bytes, and the `EDGE` bytes before `bytes`, as latin1 text. */
  head: string;
  tail: string;
  latest?: Latest;
  /** Lines that did not parse: number and content. */
  bad: [number, string][];
}

const decoder = new TextDecoder();
const latin1 = (bytes: Uint8Array): string => {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
};

/** A value as JSON keeps it (NaN, ±Infinity and -0 as strings `Number` reads back). */
const encodeValue = (v: number): number | string =>
  Number.isFinite(v) && !Object.is(v, -0) ? v : Object.is(v, -0) ? "-0" : String(v);

/** A summary read from JSON, or undefined when it is not one. */
function summaryOf(raw: unknown): Summary | undefined {
  const r = raw as Record<string, unknown>;
  const numbers = ["ino", "size", "mtimeMs", "bytes", "lines"];
  if (typeof r !== "object" || r === null) return undefined;
  if (!numbers.every((k) => typeof r[k] === "number")) return undefined;
  if (typeof r.head !== "string" || typeof r.tail !== "string" || !Array.isArray(r.bad)) {
    return undefined;
  }
  let latest: Latest | undefined;
  if (r.latest !== undefined) {
    const l = r.latest as Record<string, unknown>;
    if (typeof l !== "object" || l === null) return undefined;
    const value = typeof l.value === "string" ? Number(l.value) : l.value;
    if (typeof l.step !== "number" || typeof l.timestamp !== "number") return undefined;
    if (typeof value !== "number" || (Number.isNaN(value) && l.value !== "NaN")) return undefined;
    latest = { step: l.step, timestamp: l.timestamp, value };
  }
  return { ...(r as unknown as Summary), latest };
}

/** Reads `length` bytes of an open file from `position` (fewer at its end). */
function readAt(fd: number, position: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const bytesRead = readSync(fd, out, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return out.subarray(0, got);
}

/** The latest values of runs' metrics, read through summaries kept per run folder. */
export class LatestMetrics {
  /** Summaries by metric file path, as this process last saw them. */
  readonly #memory = new Map<string, Summary>();
  readonly #badLine: (path: string, where: string, content: string) => void;

  /** `badLine` hears of each metric line that does not parse (file, `line N`, content). */
  constructor(badLine: (path: string, where: string, content: string) => void) {
    this.#badLine = badLine;
  }

  /** The latest value of each of `keys` (metric files of the run at `runDir`) that has a point. */
  read(runDir: string, keys: string[]): Record<string, number> {
    const out: Record<string, number> = {};
    let stored: Record<string, unknown> | undefined;
    let changed = false;
    const kept: Record<string, unknown> = {};
    for (const key of keys) {
      const path = keyPath(join(runDir, "metrics"), key);
      const onBad: OnBadLine = (line, content) => this.#badLine(path, `line ${line}`, content);
      let handle: number;
      try {
        handle = openSync(path, "r");
      } catch {
        continue; // gone since listed
      }
      try {
        const { size, mtimeMs, ino } = fstatSync(handle);
        if (size <= SMALL) {
          const text = decoder.decode(readAt(handle, 0, size));
          const latest = scanLatest(text, 0, undefined, 1, onBad).latest;
          if (latest !== undefined) out[key] = latest.value;
          continue;
        }
        let known = this.#memory.get(path);
        if (known === undefined) {
          stored ??= this.#load(runDir);
          known = summaryOf(stored[key]);
          if (known !== undefined) {
            for (const [line, content] of known.bad) onBad(line, content);
          }
        }
        let summary = known === undefined
          ? undefined
          : this.#extend(handle, known, size, mtimeMs, ino, onBad);
        summary ??= this.#summarize(handle, size, mtimeMs, ino, onBad);
        if (summary !== known) changed = true;
        this.#memory.set(path, summary);
        kept[key] = {
          ...summary,
          latest: summary.latest && { ...summary.latest, value: encodeValue(summary.latest.value) },
        };
        if (summary.latest !== undefined) out[key] = summary.latest.value;
      } finally {
        closeSync(handle);
      }
    }
    if (changed) {
      // A store this process may not write (another user's, read-only) is read all the same.
      try {
        writeAtomicSync(join(runDir, LATEST_FILE), JSON.stringify(kept));
      } catch { /* read all the same */ }
    }
    return out;
  }

  /** The run's stored summaries by key; empty when there is no file or it does not parse. */
  #load(runDir: string): Record<string, unknown> {
    try {
      const raw = JSON.parse(readFileSync(join(runDir, LATEST_FILE), "utf8"));
      return typeof raw === "object" && raw !== null ? raw : {};
    } catch {
      return {};
    }
  }

  /** The summary of the file's first `size` bytes, read whole. */
  #summarize(
    handle: number,
    size: number,
    mtimeMs: number,
    ino: number,
    onBad: OnBadLine,
  ): Summary {
    const base: Summary = { ino, size, mtimeMs, bytes: 0, lines: 0, head: "", tail: "", bad: [] };
    return this.#append(handle, base, size, onBad);
  }

  /**
   * `known` brought up to the file as it is now, reading only what was
   * appended; undefined when the file changed in a way an append cannot
   * explain (then it must be read whole).
   */
  #extend(
    handle: number,
    known: Summary,
    size: number,
    mtimeMs: number,
    ino: number,
    onBad: OnBadLine,
  ): Summary | undefined {
    if (ino !== known.ino) return undefined;
    if (size === known.size && mtimeMs === known.mtimeMs) return known;
    if (size <= known.size) return undefined; // shrank, or rewritten in place
    const head = readAt(handle, 0, Math.min(EDGE, known.bytes));
    const tailFrom = Math.max(0, known.bytes - EDGE);
    const tail = readAt(handle, tailFrom, known.bytes - tailFrom);
    if (latin1(head) !== known.head || latin1(tail) !== known.tail) return undefined;
    const next: Summary = { ...known, ino, size, mtimeMs, bad: [...known.bad] };
    return this.#append(handle, next, size, onBad);
  }

  /** Reads the whole lines from `summary.bytes` to `size` into `summary` (changed in place). */
  #append(
    handle: number,
    summary: Summary,
    size: number,
    onBad: OnBadLine,
  ): Summary {
    const bytes = readAt(handle, summary.bytes, size - summary.bytes);
    const whole = bytes.lastIndexOf(0x0a) + 1; // a torn last line waits for its end
    const keep: OnBadLine = (line, content) => {
      if (summary.bad.length < MAX_BAD) summary.bad.push([line, content]);
      onBad(line, content);
    };
    const scan = scanLatest(
      decoder.decode(bytes.subarray(0, whole)),
      0,
      summary.latest,
      summary.lines + 1,
      keep,
    );
    summary.latest = scan.latest;
    summary.lines += scan.lines;
    summary.bytes += whole;
    if (summary.head.length < EDGE) {
      summary.head = latin1(readAt(handle, 0, Math.min(EDGE, summary.bytes)));
    }
    const tailFrom = Math.max(0, summary.bytes - EDGE);
    summary.tail = latin1(readAt(handle, tailFrom, summary.bytes - tailFrom));
    return summary;
  }
}
