/**
 * Local checks of MLflow's rules, run before anything is queued or sent, so bad
 * input fails at the call that made it with a {@linkcode ValidationError}.
 *
 * @module
 */
import { ValidationError } from "./errors.ts";
import type { TagsInput } from "./types.ts";

/** MLflow's limits, from its server-side validation. */
export const LIMITS = {
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 8000,
  experimentNameLength: 500,
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
  batchEntities: 1000,
  /** MLflow rejects requests over 1 MB; stay clearly below. */
  batchBytes: 900_000,
} as const;

/** The tag value OICM's Python client gives a label (a tag given as a bare name). */
export const LABEL_TAG_VALUE = "_OI_USER_TAG";

/**
 * MLflow's key rule `^[/\w.\- :]*$`, where Python's `\w` is Unicode-aware: letters and
 * numbers of any script and `_` (so `损失` is a valid key).
 */
const KEY_CHARS = /^[/\p{L}\p{N}_.\- :]*$/u;
const checkedKeys = new Set<string>();

/**
 * A string's length as Python's `len` counts it (code points), which MLflow's
 * limits use: an emoji counts once, not as two UTF-16 units.
 */
export function codePoints(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** Whether `text` is longer than `limit` code points (cheap when its UTF-16 length is not). */
function over(text: string, limit: number): boolean {
  return text.length > limit && codePoints(text) > limit;
}

/** POSIX `normpath`, as Python's `posixpath.normpath` computes it. */
function normpath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && parts.length > 0 && parts[parts.length - 1] !== "..") parts.pop();
    else parts.push(part);
  }
  const joined = parts.join("/");
  if (path.startsWith("/")) return "/" + joined;
  return joined === "" ? "." : joined;
}

/**
 * Checks a metric, param or tag key against MLflow's rules: 1 to 250
 * characters of letters, digits, `_ - . / :` and space, that names itself as a
 * path (no leading or trailing `/`, no `//`, `.` or `..` segment).
 */
export function validateKey(kind: string, key: unknown): string {
  if (typeof key === "string" && checkedKeys.has(key)) return key;
  if (typeof key !== "string") {
    throw new ValidationError(`${kind} key must be a string, got ${typeof key}`);
  }
  if (key.length === 0) throw new ValidationError(`${kind} key must not be empty`);
  if (over(key, LIMITS.keyLength)) {
    throw new ValidationError(
      `${kind} key '${key.slice(0, 40)}...' is ${
        codePoints(key)
      } characters; MLflow allows ${LIMITS.keyLength}`,
    );
  }
  if (!KEY_CHARS.test(key)) {
    throw new ValidationError(
      `${kind} key '${key}' has a character MLflow rejects; use letters, digits (any script), '_', '-', '.', '/', ':' and spaces`,
    );
  }
  const norm = normpath(key);
  if (norm !== key || norm === "." || norm.startsWith("..") || norm.startsWith("/")) {
    throw new ValidationError(
      `${kind} key '${key}' is not a clean path (MLflow stores keys as files): it would resolve to '${norm}'`,
    );
  }
  if (checkedKeys.size < 10_000) checkedKeys.add(key);
  return key;
}

/** Checks that a metric value is a number (NaN and ±Infinity are allowed). */
export function validateMetricValue(key: string, value: unknown): number {
  if (typeof value !== "number") {
    throw new ValidationError(
      `metric '${key}' must be a number, got ${value === null ? "null" : typeof value}`,
    );
  }
  return value;
}

/** Checks a step: a safe integer (MLflow stores int64). */
export function validateStep(key: string, step: unknown): number {
  if (typeof step !== "number" || !Number.isSafeInteger(step)) {
    throw new ValidationError(`metric '${key}': step must be an integer, got ${String(step)}`);
  }
  return step;
}

/** Checks a timestamp: a safe integer count of milliseconds. */
export function validateTimestamp(key: string, timestamp: unknown): number {
  if (typeof timestamp !== "number" || !Number.isSafeInteger(timestamp)) {
    throw new ValidationError(
      `metric '${key}': timestamp must be integer milliseconds, got ${String(timestamp)}`,
    );
  }
  return timestamp;
}

/**
 * Turns a param value into the string MLflow stores: strings as they are,
 * plain objects and arrays as JSON, anything else by `String(value)`; then
 * checks the length.
 */
export function paramValueToString(key: string, value: unknown): string {
  let text: string;
  if (typeof value === "string") text = value;
  else if (value === undefined) {
    throw new ValidationError(`param '${key}' has no value (undefined)`);
  } else if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    try {
      text = JSON.stringify(value);
    } catch (err) {
      throw new ValidationError(`param '${key}' cannot be turned into JSON`, { cause: err });
    }
  } else text = String(value);
  if (over(text, LIMITS.paramValueLength)) {
    throw new ValidationError(
      `param '${key}' value is ${
        codePoints(text)
      } characters; MLflow allows ${LIMITS.paramValueLength}`,
    );
  }
  return text;
}

/** Checks a tag value: a string of at most 8000 characters. */
export function validateTagValue(key: string, value: unknown): string {
  if (typeof value !== "string") {
    throw new ValidationError(`tag '${key}' value must be a string, got ${typeof value}`);
  }
  if (over(value, LIMITS.tagValueLength)) {
    throw new ValidationError(
      `tag '${key}' value is ${
        codePoints(value)
      } characters; MLflow allows ${LIMITS.tagValueLength}`,
    );
  }
  return value;
}

/** Checks an experiment name: 1 to 500 characters. */
export function validateExperimentName(name: unknown): string {
  if (typeof name !== "string" || name.trim().length === 0) {
    throw new ValidationError("experiment name must be a non-empty string");
  }
  if (over(name, LIMITS.experimentNameLength)) {
    throw new ValidationError(
      `experiment name is ${
        codePoints(name)
      } characters; MLflow allows ${LIMITS.experimentNameLength}`,
    );
  }
  return name;
}

/**
 * What is wrong with an id (workspace, experiment or run) that goes into a URL
 * path or a folder name, or `undefined`: it must not be a dot segment (`.`,
 * `..`), which would change the route called or the folder used, nor hold a
 * path separator (`/`, `\\`) or NUL.
 */
export function idProblem(id: string): string | undefined {
  if (id === "." || id === "..") {
    return `'${id}' is a dot segment: it would change the path requested`;
  }
  if (/[/\\\0]/.test(id)) return "must not contain '/', '\\' or NUL";
  return undefined;
}

/**
 * Checks an id given by the user (workspace, run or experiment): a non-empty
 * string that is no dot segment and holds no path separator ({@linkcode idProblem}).
 */
export function validateId(kind: string, id: unknown): string {
  if (typeof id !== "string" || id.length === 0) {
    throw new ValidationError(`${kind} must be a non-empty string, got ${JSON.stringify(id)}`);
  }
  const problem = idProblem(id);
  if (problem !== undefined) {
    throw new ValidationError(`${kind} ${JSON.stringify(id)}: ${problem}`);
  }
  return id;
}

/**
 * Turns tags given as labels or as a record into a checked record. Labels
 * get the value {@linkcode LABEL_TAG_VALUE}, as OICM's Python client writes them.
 */
export function normalizeTags(tags: TagsInput | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (tags === undefined) return out;
  if (Array.isArray(tags)) {
    for (const label of tags) out[validateKey("tag", label)] = LABEL_TAG_VALUE;
    return out;
  }
  if (typeof tags !== "object" || tags === null) {
    throw new ValidationError("tags must be a list of labels or a record of strings");
  }
  for (const [key, value] of Object.entries(tags)) {
    out[validateKey("tag", key)] = validateTagValue(key, value);
  }
  return out;
}
