/**
 * A `runs/log-batch` body made straight from FileStore metric lines, byte
 * for byte: `<timestamp> <value> <step>\n` becomes
 * `{"timestamp":…,"value":…,"step":…,"key":…}`. Syncing a spool or an
 * offline store this way parses no number and makes no object per point, so
 * sending millions of points from disk costs the JavaScript heap nothing.
 *
 * @module
 */

const encoder = new TextEncoder();
const TIMESTAMP = encoder.encode('{"timestamp":');
const VALUE = encoder.encode(',"value":');
const STEP = encoder.encode(',"step":');
const SPACE = 0x20;
const NEWLINE = 0x0a;
const COMMA = 0x2c;
const ZERO = 0x30;

/** Whether a byte may appear in a line whose numbers JSON can hold as they are. */
const PLAIN = new Uint8Array(256);
for (const c of "0123456789+-.eE \n") PLAIN[c.charCodeAt(0)] = 1;

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const MINUS = 0x2d;
const DOT = 0x2e;

/** Whether `bytes[start, end)` is a JSON number (an integer when `integer`). */
function isJsonNumber(bytes: Uint8Array, start: number, end: number, integer: boolean): boolean {
  let i = start;
  const digits = () => {
    const from = i;
    while (i < end && bytes[i] >= DIGIT_0 && bytes[i] <= DIGIT_9) i++;
    return i - from;
  };
  if (bytes[i] === MINUS) i++;
  if (bytes[i] === DIGIT_0) i++;
  else if (digits() === 0) return false;
  if (integer) return i === end;
  if (bytes[i] === DOT) {
    i++;
    if (digits() === 0) return false;
  }
  if (bytes[i] === 0x65 || bytes[i] === 0x45) { // e, E
    i++;
    if (bytes[i] === 0x2b || bytes[i] === MINUS) i++;
    if (digits() === 0) return false;
  }
  return i === end;
}

/** Where bodies are made: one buffer, reused (the caller copies the body out). */
let scratch = new Uint8Array(128 * 1024);

/**
 * The body for whole metric lines of one key, or undefined when a line holds
 * what JSON cannot take as it is (NaN, Infinity, Python's `nan`/`inf`): then
 * parse the lines and send them as records. The bytes are valid until the
 * next call (one buffer is reused, so sending millions of points allocates
 * no native memory per batch).
 */
export function logBatchBodyFromLines(
  runId: string,
  key: string,
  lines: Uint8Array,
): Uint8Array | undefined {
  let count = 0;
  let fieldStart = 0;
  let field = 0;
  for (let i = 0; i < lines.length; i++) {
    const c = lines[i];
    if (PLAIN[c] === 0) return undefined;
    if (c === SPACE || c === NEWLINE) {
      // Each field must be a number JSON can hold as it is; else the parser decides.
      if (i === fieldStart && c === NEWLINE && field === 0) {
        fieldStart = i + 1; // an empty line
        continue;
      }
      if (!isJsonNumber(lines, fieldStart, i, field !== 1)) return undefined;
      field = c === NEWLINE ? 0 : field + 1;
      fieldStart = i + 1;
      if (c === NEWLINE) count++;
    }
  }
  const head = encoder.encode(`{"run_id":${JSON.stringify(runId)},"metrics":[`);
  const keyPart = encoder.encode(`,"key":${JSON.stringify(key)}}`);
  const tail = encoder.encode('],"params":[],"tags":[]}');
  const perLine = 1 + TIMESTAMP.length + VALUE.length + STEP.length + 1 + keyPart.length;
  const size = head.length + lines.length + count * perLine + tail.length;
  if (scratch.length < size) scratch = new Uint8Array(size * 2);
  const out = scratch;
  out.set(head, 0);
  let o = head.length;
  field = 0; // 0: timestamp, 1: value, 2: step
  let lineStart = true;
  for (let i = 0; i < lines.length; i++) {
    const c = lines[i];
    if (lineStart) {
      if (c === NEWLINE) continue; // an empty line
      if (o > head.length) out[o++] = COMMA;
      out.set(TIMESTAMP, o);
      o += TIMESTAMP.length;
      lineStart = false;
      field = 0;
    }
    if (c === SPACE) {
      if (++field > 2) return undefined; // not a metric line: let the parser say so
      const next = field === 1 ? VALUE : STEP;
      out.set(next, o);
      o += next.length;
    } else if (c === NEWLINE) {
      if (field === 0) return undefined; // no value: let the parser say so
      if (field === 1) { // an old line without a step: step 0
        out.set(STEP, o);
        o += STEP.length;
        out[o++] = ZERO;
      }
      out.set(keyPart, o);
      o += keyPart.length;
      lineStart = true;
    } else out[o++] = c;
  }
  out.set(tail, o);
  return out.subarray(0, o + tail.length);
}
