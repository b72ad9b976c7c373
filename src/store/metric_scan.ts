/**
 * Reading metric lines (`<timestamp> <value> [<step>]`) fast: one pass over the
 * text with `charCodeAt`, integers and short decimals computed in place, no
 * regular expression and no string per field, so a million-line file makes a
 * million points and little else.
 *
 * It accepts exactly the lines `parseMetricLines` of `core/file_io.ts` accepts
 * and reads the same numbers: a timestamp and a step are `-?\d+`; a value is a
 * decimal (`3`, `-0.5`, `.5`, `1.`, `1e-07`, with an optional sign) or `nan`,
 * `inf`, `infinity` in any case with an optional sign. A decimal of at most 15
 * significant digits and a power of ten up to 22 is computed as one exact
 * integer multiplied or divided by an exact power of ten, which IEEE rounds
 * once, correctly, as `Number` does (Clinger's fast path); any longer one is
 * read by `Number` itself.
 *
 * @module
 */
import { Point } from "../core/point.ts";

/** Called for a whole line that is not a metric line: its 1-based number and its first 80 characters. */
export type OnBadLine = (lineNumber: number, line: string) => void;

// The fields of the line `scanLine` last accepted (module state: no object per line).
let lineTimestamp = 0;
let lineValue = 0;
let lineStep = 0;

const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const ZERO = 48;
const NEWLINE = "\n";
/** Exact powers of ten, 10^0 to 10^22 (every one a double without rounding). */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** `-?\d+` from `start` to `end`, or NaN when the text is not that. */
function integerAt(t: string, start: number, end: number): number {
  let i = start;
  const negative = i < end && t.charCodeAt(i) === MINUS;
  if (negative) i++;
  if (i === end) return NaN;
  if (end - i > 15) {
    for (let j = i; j < end; j++) {
      const d = t.charCodeAt(j) - ZERO;
      if (d < 0 || d > 9) return NaN;
    }
    return Number(t.slice(start, end));
  }
  let n = 0;
  for (; i < end; i++) {
    const d = t.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return negative ? -n : n;
}

/** Whether `t` from `start` to `end` is `word`, in any case (`word` lower case). */
function wordAt(t: string, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) {
    if ((t.charCodeAt(start + i) | 0x20) !== word.charCodeAt(i)) return false;
  }
  return true;
}

/** A value (see the module's grammar) from `start` to `end`, or undefined when it is none. */
function valueAt(t: string, start: number, end: number): number | undefined {
  let i = start;
  const sign = i < end ? t.charCodeAt(i) : 0;
  const negative = sign === MINUS;
  if (negative || sign === PLUS) i++;
  let mantissa = 0;
  let significant = 0; // digits counted into the mantissa, leading zeros left out
  let scale = 0; // the power of ten the mantissa is multiplied by
  let intDigits = 0;
  let c = 0;
  for (; i < end; i++) {
    c = t.charCodeAt(i) - ZERO;
    if (c < 0 || c > 9) break;
    intDigits++;
    if (significant > 0 || c !== 0) {
      if (significant < 16) mantissa = mantissa * 10 + c;
      else scale++;
      significant++;
    }
  }
  let fracDigits = 0;
  if (i < end && t.charCodeAt(i) === DOT) {
    for (i++; i < end; i++) {
      c = t.charCodeAt(i) - ZERO;
      if (c < 0 || c > 9) break;
      fracDigits++;
      if (significant > 0 || c !== 0) {
        if (significant < 16) {
          mantissa = mantissa * 10 + c;
          scale--;
        }
        significant++;
      } else scale--;
    }
  }
  if (intDigits === 0 && fracDigits === 0) return specialAt(t, start, end);
  if (i < end) {
    c = t.charCodeAt(i);
    if ((c | 0x20) !== 0x65) return undefined; // e or E
    i++;
    const expSign = i < end ? t.charCodeAt(i) : 0;
    if (expSign === MINUS || expSign === PLUS) i++;
    const expStart = i;
    let exponent = 0;
    for (; i < end; i++) {
      const d = t.charCodeAt(i) - ZERO;
      if (d < 0 || d > 9) return undefined;
      if (exponent < 1e6) exponent = exponent * 10 + d;
    }
    if (i === expStart) return undefined;
    scale += expSign === MINUS ? -exponent : exponent;
  }
  if (significant > 15 || scale < -22 || scale > 22) return Number(t.slice(start, end));
  const magnitude = scale < 0 ? mantissa / POW10[-scale] : mantissa * POW10[scale];
  return negative ? -magnitude : magnitude;
}

/** `[+-]?(nan|inf|infinity)` in any case, as `parseMetricValue` reads it; else undefined. */
function specialAt(t: string, start: number, end: number): number | undefined {
  const sign = t.charCodeAt(start);
  const from = sign === MINUS || sign === PLUS ? start + 1 : start;
  if (wordAt(t, from, end, "nan")) return NaN;
  if (wordAt(t, from, end, "inf") || wordAt(t, from, end, "infinity")) {
    return sign === MINUS ? -Infinity : Infinity;
  }
  return undefined;
}

/**
 * Reads the line from `start` to `end` (without its newline) into the module's
 * fields; false when it is not a metric line.
 */
function scanLine(t: string, start: number, end: number): boolean {
  const a = t.indexOf(" ", start);
  if (a === -1 || a >= end) return false;
  let b = t.indexOf(" ", a + 1);
  if (b >= end) b = -1;
  const timestamp = integerAt(t, start, a);
  if (timestamp !== timestamp) return false; // NaN: not an integer
  const value = valueAt(t, a + 1, b === -1 ? end : b);
  if (value === undefined) return false;
  const step = b === -1 ? 0 : integerAt(t, b + 1, end);
  if (step !== step) return false;
  lineTimestamp = timestamp;
  lineValue = value;
  lineStep = step;
  return true;
}

/**
 * The points of a metric file's text, in file order. A torn last line (no
 * newline) is left out silently; a whole line that is not a metric line is
 * left out and handed to `onBad`.
 */
export function parsePoints(key: string, text: string, onBad?: OnBadLine): Point[] {
  const out: Point[] = [];
  let start = 0;
  let line = 0;
  for (let end = text.indexOf(NEWLINE); end !== -1; end = text.indexOf(NEWLINE, start)) {
    line++;
    if (end > start) {
      if (scanLine(text, start, end)) out.push(new Point(key, lineValue, lineStep, lineTimestamp));
      else onBad?.(line, text.slice(start, Math.min(end, start + 80)));
    }
    start = end + 1;
  }
  return out;
}

/** The latest point of a metric: the greatest (step, timestamp, value), as MLflow picks it. */
export interface Latest {
  /** Its step. */
  step: number;
  /** Its timestamp, in ms. */
  timestamp: number;
  /** Its value. */
  value: number;
}

/**
 * Whether (step, timestamp, value) comes after `than` in MLflow's order: the
 * tuple compared element by element, as Python's `max` over
 * `(m.step, m.timestamp, m.value)` does in MLflow's FileStore (and its SQL
 * store). A tie keeps the earlier line; a NaN value is never greater nor less,
 * so at one step and timestamp it neither replaces nor is replaced.
 */
export function isLater(step: number, timestamp: number, value: number, than: Latest): boolean {
  if (step !== than.step) return step > than.step;
  if (timestamp !== than.timestamp) return timestamp > than.timestamp;
  return value > than.value;
}

/** What {@linkcode scanLatest} found. */
export interface LatestScan {
  /** The latest point of the lines read and of `latest` given, if any. */
  latest: Latest | undefined;
  /** The offset in the text just past the last whole line read. */
  end: number;
  /** Whole lines read (counted as `parsePoints` counts them, empty ones too). */
  lines: number;
}

/**
 * The latest point of the whole lines of `text` from `from`, folded into
 * `latest` (the latest of the lines before), without making a point per
 * line. `firstLine` is the number of the first line read, for `onBad`.
 */
export function scanLatest(
  text: string,
  from: number,
  latest: Latest | undefined,
  firstLine: number,
  onBad?: OnBadLine,
): LatestScan {
  let best = latest === undefined ? undefined : { ...latest };
  let start = from;
  let line = firstLine - 1;
  for (let end = text.indexOf(NEWLINE, start); end !== -1; end = text.indexOf(NEWLINE, start)) {
    line++;
    if (end > start) {
      if (!scanLine(text, start, end)) onBad?.(line, text.slice(start, Math.min(end, start + 80)));
      else if (best === undefined) {
        best = { step: lineStep, timestamp: lineTimestamp, value: lineValue };
      } else if (isLater(lineStep, lineTimestamp, lineValue, best)) {
        best.step = lineStep;
        best.timestamp = lineTimestamp;
        best.value = lineValue;
      }
    }
    start = end + 1;
  }
  return { latest: best, end: start, lines: line - firstLine + 1 };
}
