/**
 * What the fake server checks of names and sizes, as MLflow's server does,
 * written apart from the client's own validation on purpose: the fake must be
 * able to refuse what a client bug lets through.
 *
 * @module
 */
import { invalid } from "./wire.ts";

/** MLflow's server-side limits (`mlflow/utils/validation.py`). */
export const MLFLOW_LIMITS = {
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  entitiesPerBatch: 1000,
  keyLength: 250,
  paramValue: 6000,
  tagValue: 8000,
  experimentName: 500,
  /**
   * Bytes of one JSON request ("A single JSON-serialized API request may be up to 1 MB in
   * size", MLflow's REST API reference; `MAX_BATCH_LOG_REQUEST_SIZE` in `validation.py`).
   */
  requestBytes: 1_000_000,
} as const;

/** Python's `len`: code points, not UTF-16 units. */
export function pyLen(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** `posixpath.normpath(name) == name` and the rest of MLflow's `path_not_unique`. */
function pathIsUnique(name: string): boolean {
  const kept: string[] = [];
  for (const part of name.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && kept.length > 0 && kept.at(-1) !== "..") kept.pop();
    else kept.push(part);
  }
  const norm = (name.startsWith("/") ? "/" : "") + kept.join("/") || ".";
  return norm === name && norm !== "." && !norm.startsWith("..") && !norm.startsWith("/");
}

/**
 * A metric, param or tag key as MLflow's server checks it: Python's `\w`
 * (letters and numbers of any script, `_`), `/ . - :` and space, at most 250
 * code points, and a clean path. A bad key is 400 INVALID_PARAMETER_VALUE.
 */
export function checkKey(kind: string, key: unknown): string {
  if (typeof key !== "string") throw invalid(`Invalid ${kind} name: ${JSON.stringify(key)}`);
  for (const ch of key) {
    if (!/[\p{L}\p{N}_/.\- :]/u.test(ch)) {
      throw invalid(
        `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), ` +
          `dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
      );
    }
  }
  if (!pathIsUnique(key)) {
    throw invalid(
      `Invalid ${kind} name: '${key}'. Names may be treated as files in certain cases, and must ` +
        `not resolve to other names when treated as such.`,
    );
  }
  if (pyLen(key) > MLFLOW_LIMITS.keyLength) {
    throw invalid(
      `${kind} key '${key.slice(0, 100)}' had length ${
        pyLen(key)
      }, which exceeded length limit of ${MLFLOW_LIMITS.keyLength}`,
    );
  }
  return key;
}

/** A value within a limit in code points, as MLflow counts. */
export function checkLength(what: string, value: string, limit: number): string {
  const n = pyLen(value);
  if (n > limit) {
    throw invalid(
      `${what} '${
        value.slice(0, 100)
      }...' had length ${n}, which exceeded length limit of ${limit}`,
    );
  }
  return value;
}

/**
 * An OICM workspace id as it names a folder of the fake's `artifactsDir`: not
 * empty, not `.` or `..`, no `/`, `\`, NUL or other control character, at most
 * 255 characters. Anything else is 400 INVALID_PARAMETER_VALUE, before any
 * store or folder is made for it.
 */
export function checkWorkspaceId(ws: string): string {
  // deno-lint-ignore no-control-regex
  if (ws === "" || ws === "." || ws === ".." || ws.length > 255 || /[/\\\x00-\x1f\x7f]/.test(ws)) {
    throw invalid(`Invalid workspace id ${JSON.stringify(ws.slice(0, 100))}`);
  }
  return ws;
}
