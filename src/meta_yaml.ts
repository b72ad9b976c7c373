/**
 * The `meta.yaml` files of MLflow's FileStore: flat `key: scalar` mappings.
 * Written with JSON-quoted strings (valid YAML), read back from both our
 * files and the ones `yaml.safe_dump` writes (plain, single- or double-quoted
 * scalars, numbers, `null`, `[]`).
 *
 * @module
 */

/** A scalar of a `meta.yaml` file. */
export type MetaValue = string | number | null | never[];

const PLAIN_SAFE = /^[A-Za-z_][\w.\-/ ]*$/;
const YAML_WORDS = /^(?:null|~|true|false|yes|no|on|off|y|n)$/i;

function scalar(value: MetaValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "[]";
  if (typeof value === "number") return String(value);
  // Strings stay strings when read back: plain when unambiguous, else JSON-quoted.
  if (PLAIN_SAFE.test(value) && !YAML_WORDS.test(value) && !value.endsWith(" ")) return value;
  return JSON.stringify(value);
}

/** Writes a mapping as `meta.yaml` text, keys sorted as `yaml.safe_dump` sorts them. */
export function writeMeta(meta: Record<string, MetaValue>): string {
  return Object.keys(meta).sort().map((k) => `${k}: ${scalar(meta[k])}\n`).join("");
}

function parseScalar(text: string): MetaValue {
  const t = text.trim();
  if (t === "" || t === "null" || t === "~") return null;
  if (t === "[]") return [];
  if (t.startsWith('"')) return JSON.parse(t);
  if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
  if (/^-?\d+$/.test(t)) return Number(t);
  return t;
}

/** Reads `meta.yaml` text into a mapping; unknown layouts throw a SyntaxError. */
export function readMeta(text: string): Record<string, MetaValue> {
  const out: Record<string, MetaValue> = {};
  for (const line of text.split("\n")) {
    if (
      line.trim() === "" || line.startsWith("#") || line.startsWith(" ") || line.startsWith("-")
    ) {
      continue;
    }
    const colon = line.indexOf(":");
    if (colon < 0) throw new SyntaxError(`not a meta.yaml line: ${line.slice(0, 80)}`);
    out[line.slice(0, colon).trim()] = parseScalar(line.slice(colon + 1));
  }
  return out;
}
