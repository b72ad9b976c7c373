/**
 * Turning a call's arguments into MLflow params: parameter names recovered
 * from the function's source, plain objects flattened into dotted keys, other
 * values given a short stable string form, secrets redacted. Never throws:
 * what cannot become a param is skipped and reported.
 *
 * @module
 */
import {
  isSecretKey,
  isSecretOption,
  REDACTED,
  type RedactOption,
  redactValue,
} from "../core/redact.ts";
import { codePoints, LIMITS, validateKey } from "../core/validate.ts";

/** What a param-capturing pass produced. */
export interface Captured {
  /** Params ready to log (keys valid, values within MLflow's limits). */
  params: Record<string, string>;
  /** Why some arguments were left out. */
  skipped: string[];
}

/**
 * How params are picked: argument names, renames, or a function of the arguments.
 *
 * @example
 * ```ts
 * import type { ParamSelection } from "@oicm/tracking";
 * const rename: ParamSelection = { lr: "learning_rate" };
 * ```
 */
export type ParamSelection =
  | readonly string[]
  | Readonly<Record<string, string>>
  | ((...args: never[]) => Record<string, unknown>);

const MAX_DEPTH = 6;
const PREVIEW_ITEMS = 8;

/** How values are rendered: the key rule's extra names, and what hides known secrets. */
interface Render {
  redact: RedactOption;
  /** Replaces every value the client knows to be a secret (its key...) with `***`. */
  scrub: (text: string) => string;
}

/** Splits a parameter list at top-level commas, skipping strings, comments and brackets. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"' || c === "`") {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === "\\") i++;
    } else if (c === "/" && (text[i + 1] === "*" || text[i + 1] === "/")) {
      const end = text.indexOf(text[i + 1] === "*" ? "*/" : "\n", i + 2);
      i = end < 0 ? text.length : end;
    } else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "").trim()).filter((p) => p);
}

/** The index of the bracket closing the one at `open`, skipping strings; -1 if none. */
function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"' || c === "`") {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === "\\") i++;
    } else if (c === "(" || c === "[" || c === "{") depth++;
    else if ((c === ")" || c === "]" || c === "}") && --depth === 0) return i;
  }
  return -1;
}

/** The text between a function's parameter parentheses (or its lone arrow parameter). */
function parameterList(source: string): string {
  let head = source.replace(/^\s*(?:async\b\s*)?(?:\*\s*)?/, "");
  // A method with a computed key, as Bun prints decorated methods: `[(_dec = [d], "fit")](a) {}`.
  if (head.startsWith("[")) head = head.slice(closing(head, 0) + 1);
  const arrow = /^([A-Za-z_$][\w$]*)\s*=>/.exec(head);
  if (arrow) return arrow[1];
  const open = head.indexOf("(");
  const close = open < 0 ? -1 : closing(head, open);
  return close < 0 ? "" : head.slice(open + 1, close);
}

/**
 * One descriptor per declared parameter: its name, `undefined` for a
 * destructured object (its keys become params), or a rest marker.
 */
export function parameterNames(
  fn: (...args: never[]) => unknown,
): (string | { rest: string } | undefined)[] {
  let source: string;
  try {
    source = Function.prototype.toString.call(fn);
  } catch {
    return [];
  }
  return splitTopLevel(parameterList(source)).map((part, i) => {
    const declared = part.split("=")[0].trim();
    if (declared.startsWith("...")) return { rest: declared.slice(3).trim() || `args` };
    if (declared.startsWith("{")) return undefined;
    if (declared.startsWith("[")) return `arg${i}`;
    return /^[A-Za-z_$][\w$]*$/.test(declared) ? declared : `arg${i}`;
  });
}

/** Cut to MLflow's param length (in code points, never inside a surrogate pair), marked. */
function truncate(text: string): string {
  const max = LIMITS.paramValueLength;
  if (text.length <= max || codePoints(text) <= max) return text;
  const points = [...text];
  const marker = `...[truncated ${points.length - max + 40} chars]`;
  return points.slice(0, max - marker.length).join("") + marker;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Items in a summary; the item after a secret option (`["--api-key", KEY]`) is `***`. */
function preview(items: unknown[], total: number, r: Render): string {
  const shown = items.slice(0, PREVIEW_ITEMS).map((x, i) => {
    const before = items[i - 1];
    const afterOption = r.redact !== false && typeof before === "string" &&
      isSecretOption(before) && !before.includes("=");
    return afterOption ? JSON.stringify(REDACTED) : short(x, r, 1);
  });
  return shown.join(", ") + (total > PREVIEW_ITEMS ? `, ... (${total} items)` : "");
}

/** A field's value in a summary: `***` when its name is a secret. */
function field(name: string, value: unknown, r: Render, depth: number): string {
  return isSecretKey(name, r.redact) ? REDACTED : short(value, r, depth);
}

/**
 * A short, stable string for any value (depth-limited, never huge), with
 * secrets hidden wherever they sit: fields and Map entries named as secrets,
 * and credentials that show themselves in strings.
 */
function short(v: unknown, r: Render, depth = 0): string {
  if (typeof v === "string") {
    // Known secrets go before anything is cut: a secret cut in two would not be found whole.
    const text = r.scrub(r.redact === false ? v : redactValue(v));
    return depth > 0 ? JSON.stringify(text.slice(0, 100)) : text;
  }
  if (typeof v !== "object" || v === null) {
    return typeof v === "function" ? `[function ${v.name || "anonymous"}]` : String(v);
  }
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "Invalid Date" : v.toISOString();
  if (v instanceof URL) return short(v.href, r, depth);
  if (depth > 2) return "[...]";
  if (Array.isArray(v)) return `[${preview(v, v.length, r)}]`;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const arr = v as unknown as { length: number } & ArrayLike<unknown>;
    return `${v.constructor.name}(${arr.length}) [${
      preview(
        Array.from({ length: Math.min(arr.length, PREVIEW_ITEMS) }, (_, i) => arr[i]),
        arr.length,
        r,
      )
    }]`;
  }
  if (v instanceof Map) {
    const entries = [...v.entries()].slice(0, PREVIEW_ITEMS).map(([k, x]) =>
      `${short(k, r, depth + 1)} => ${
        typeof k === "string" ? field(k, x, r, depth + 1) : short(x, r, depth + 1)
      }`
    );
    return `Map(${v.size}) {${entries.join(", ")}${v.size > PREVIEW_ITEMS ? ", ..." : ""}}`;
  }
  if (v instanceof Set) {
    return `Set(${v.size}) {${preview([...v].slice(0, PREVIEW_ITEMS), v.size, r)}}`;
  }
  const t = v as { shape?: unknown; dtype?: unknown; dataSync?: unknown };
  if (Array.isArray(t.shape) && typeof t.dtype === "string" && typeof t.dataSync === "function") {
    return `Tensor(${t.dtype}, [${t.shape.join(", ")}])`;
  }
  const name = Object.getPrototypeOf(v)?.constructor?.name || "Object";
  const fields = safeEntries(v).filter(([, x]) =>
    x === null || typeof x !== "object" && typeof x !== "function" || isPlainObject(x)
  )
    .slice(0, PREVIEW_ITEMS).map(([k, x]) => `${k}: ${field(k, x, r, depth + 1)}`);
  return isPlainObject(v) ? `{${fields.join(", ")}}` : `${name} {${fields.join(", ")}}`;
}

function safeEntries(v: object): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const k of Object.keys(v)) {
    try {
      out.push([k, (v as Record<string, unknown>)[k]]);
    } catch { /* a throwing getter: leave it out */ }
  }
  return out;
}

/** Flattens `value` under `key` into `out`: plain objects by dotted keys, the rest as strings. */
function flattenInto(
  key: string,
  value: unknown,
  out: Captured,
  r: Render,
  depth: number,
): void {
  if (value === undefined) return;
  if (typeof value === "function") {
    out.skipped.push(`${key}: a function is not a param`);
    return;
  }
  if (isPlainObject(value) && depth < MAX_DEPTH && Object.keys(value).length > 0) {
    for (const k of Object.keys(value)) {
      const path = key === "" ? k : `${key}.${k}`;
      let v: unknown;
      try {
        v = value[k];
      } catch (err) {
        out.skipped.push(`${path}: reading it threw (${String(err)})`);
        continue;
      }
      flattenInto(path, v, out, r, depth + 1);
    }
    return;
  }
  if (r.scrub(key) !== key) {
    out.skipped.push(`${r.scrub(key)}: a param key must not hold a secret`);
    return;
  }
  try {
    validateKey("param", key);
  } catch (err) {
    out.skipped.push(`${key}: ${(err as Error).message}`);
    return;
  }
  try {
    out.params[key] = isSecretKey(key, r.redact) ? REDACTED : truncate(r.scrub(short(value, r)));
  } catch (err) {
    out.skipped.push(`${key}: cannot be turned into a string (${String(err)})`);
  }
}

/**
 * The params of one call: by argument names from the source (or `arg<i>`),
 * then picked or renamed by `selection`, all redacted and within limits;
 * `scrub` hides what the client knows to be secret (its key, wherever it sits).
 */
export function captureParams(
  fn: (...args: never[]) => unknown,
  args: readonly unknown[],
  selection?: ParamSelection,
  redact: RedactOption = [],
  scrub: (text: string) => string = (text) => text,
): Captured {
  const out: Captured = { params: {}, skipped: [] };
  const r: Render = { redact, scrub };
  if (typeof selection === "function") {
    let chosen: unknown;
    try {
      chosen = selection(...(args as never[]));
    } catch (err) {
      out.skipped.push(scrub(`params(): threw ${String(err)}`));
      return out;
    }
    flattenInto("", chosen, out, r, 0);
    out.skipped = out.skipped.map(scrub);
    return out;
  }
  const byName: Record<string, unknown> = {};
  const names = parameterNames(fn);
  args.forEach((arg, i) => {
    const name = names[i];
    if (name === undefined && i < names.length && isPlainObject(arg)) Object.assign(byName, arg);
    else if (typeof name === "object") byName[name.rest] = args.slice(i);
    else if (i >= names.length && typeof names.at(-1) === "object") return;
    else byName[name ?? `arg${i}`] = arg;
  });
  let picked: Record<string, unknown> = byName;
  if (Array.isArray(selection)) {
    picked = Object.fromEntries(selection.filter((k) => k in byName).map((k) => [k, byName[k]]));
  } else if (selection !== undefined) {
    picked = {};
    for (const [from, to] of Object.entries(selection as Record<string, string>)) {
      if (from in byName) picked[to] = byName[from];
    }
  }
  for (const [k, v] of Object.entries(picked)) flattenInto(k, v, out, r, 0);
  out.skipped = out.skipped.map(scrub);
  return out;
}
