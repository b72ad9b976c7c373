/**
 * The `meta.yaml` files of MLflow's FileStore: flat `key: scalar` mappings.
 * Written with JSON-quoted strings where a plain scalar could be misread
 * (valid YAML), and read with a real YAML parser (js-yaml, which reads no
 * environment variable, so offline needs no `--allow-env`), so what MLflow
 * itself writes with PyYAML reads back whole: long names folded onto
 * continuation lines, `\U0001F600` escapes, quoted ids.
 *
 * @module
 */
import { load } from "js-yaml";

/** A value of a `meta.yaml` file: a scalar, `[]`, or a mapping of strings (an input's tags). */
export type MetaValue = string | number | boolean | null | unknown[] | Record<string, string>;

const PLAIN_SAFE = /^[A-Za-z_][\w.\-/ ]*$/;
const YAML_WORDS = /^(?:null|~|true|false|yes|no|on|off|y|n)$/i;

function scalar(value: MetaValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "[]";
  if (typeof value === "object") {
    const keys = Object.keys(value).sort();
    if (keys.length === 0) return "{}";
    return keys.map((k) => `\n  ${JSON.stringify(k)}: ${JSON.stringify(value[k])}`).join("");
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  // Strings stay strings when read back: plain when unambiguous, else JSON-quoted.
  if (PLAIN_SAFE.test(value) && !YAML_WORDS.test(value) && !value.endsWith(" ")) return value;
  return JSON.stringify(value);
}

/** Writes a mapping as `meta.yaml` text, keys sorted as `yaml.safe_dump` sorts them. */
export function writeMeta(meta: Record<string, MetaValue>): string {
  return Object.keys(meta).sort().map((k) => `${k}: ${scalar(meta[k])}\n`).join("");
}

/** Reads `meta.yaml` text into a mapping; what is not a YAML mapping throws a SyntaxError. */
export function readMeta(text: string): Record<string, MetaValue> {
  let doc: unknown;
  try {
    doc = load(text, { json: true }); // json: a repeated key is not an error, the last wins
  } catch (err) {
    throw new SyntaxError((err as Error).message.split("\n")[0]);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new SyntaxError("not a mapping of keys to values");
  }
  const out: Record<string, MetaValue> = {};
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    out[key] = value instanceof Date ? value.toISOString() : value as MetaValue;
  }
  return out;
}
