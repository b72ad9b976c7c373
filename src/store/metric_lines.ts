/**
 * Metric points as the lines of FileStore metric files (`<timestamp> <value>
 * <step>\n`), grouped by key, as bytes ready to append.
 *
 * Numbers are printed by one `JSON.stringify` per key rather than one
 * number-to-string conversion per field: V8 caches each converted number's
 * string, so converting millions of them promotes a steady stream of cached
 * strings to the old space, which then grows until a full collection. Finite
 * numbers print the same either way (`0.1`, `1e-7`, `1e+21`).
 *
 * @module
 */
import type { MetricRecord } from "../core/backend.ts";
import { Point } from "../core/point.ts";

const encoder = new TextEncoder();
const COMMA = 0x2c;
const SPACE = 0x20;
const NEWLINE = 0x0a;

/** The lines of `metrics` per key, in order, as bytes. */
export function formatMetricLines(metrics: readonly MetricRecord[]): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [key, fields] of triplesByKey(metrics)) out.set(key, linesOf(fields, false));
  return out;
}

/**
 * Hands `write` the lines of each key's `[timestamp, value, step, ...]`
 * triples, in order, in one buffer reused from call to call (valid only until
 * `write` returns): synchronous writers then make no garbage per batch.
 */
export function formatMetricLinesInto(
  triples: ReadonlyMap<string, number[]>,
  write: (key: string, lines: Uint8Array) => void,
): void {
  for (const [key, fields] of triples) write(key, linesOf(fields, true));
}

/** Per key, the flat `[timestamp, value, step, ...]` triples of its points, in order. */
export function triplesByKey(metrics: readonly MetricRecord[]): Map<string, number[]> {
  const byKey = new Map<string, number[]>();
  for (let i = 0; i < metrics.length; i++) {
    const m = metrics[i];
    let fields = byKey.get(m.key);
    if (fields === undefined) byKey.set(m.key, fields = []);
    fields.push(m.timestamp, m.value, m.step);
  }
  return byKey;
}

/** The points of per-key triples as records (for writers that take records). */
export function recordsOf(triples: ReadonlyMap<string, number[]>): MetricRecord[] {
  const out: MetricRecord[] = [];
  for (const [key, fields] of triples) {
    for (let i = 0; i < fields.length; i += 3) {
      out.push(new Point(key, fields[i + 1], fields[i + 2], fields[i]));
    }
  }
  return out;
}

let scratch = new Uint8Array(64 * 1024);

/**
 * `[t,v,s,t,v,s]` becomes `t v s\nt v s\n`: commas turn into spaces and every
 * third into a newline. The JSON is ASCII, so its length is its byte length.
 */
function linesOf(fields: number[], reuse: boolean): Uint8Array {
  for (let i = 1; i < fields.length; i += 3) {
    if (!Number.isFinite(fields[i])) return slowLines(fields);
  }
  const json = JSON.stringify(fields);
  let bytes: Uint8Array;
  if (reuse) {
    if (scratch.length < json.length) scratch = new Uint8Array(json.length * 2);
    bytes = scratch.subarray(0, encoder.encodeInto(json, scratch).written);
  } else bytes = encoder.encode(json);
  let n = 0;
  for (let i = 1; i < bytes.length - 1; i++) {
    if (bytes[i] === COMMA) bytes[i] = ++n % 3 === 0 ? NEWLINE : SPACE;
  }
  bytes[bytes.length - 1] = NEWLINE; // the closing bracket
  return bytes.subarray(1); // past the opening bracket
}

/** JSON prints NaN and ±Infinity as null: spell those lines out (`NaN`, `Infinity`). */
function slowLines(fields: number[]): Uint8Array {
  const lines: string[] = [];
  for (let i = 0; i < fields.length; i += 3) {
    lines.push(`${fields[i]} ${fields[i + 1]} ${fields[i + 2]}\n`);
  }
  return encoder.encode(lines.join(""));
}
