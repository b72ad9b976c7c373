/**
 * MLflow search filters and orderings, parsed and evaluated locally: what the
 * fake server (and an offline store) needs to answer `runs/search` and
 * `experiments/search`. Supports `=`, `!=`, `<`, `<=`, `>`, `>=`, `LIKE` and
 * `ILIKE` on `attributes.*`, `tags.*`, `params.*`, `metrics.*` (and bare
 * attribute names), joined by `AND`.
 *
 * @module
 */
import { ValidationError } from "./errors.ts";

/** Which part of an entity an identifier names. */
export type FieldKind = "attribute" | "tag" | "param" | "metric";

/** One comparison of a filter. */
export interface Clause {
  kind: FieldKind;
  key: string;
  op: "=" | "!=" | "<" | "<=" | ">" | ">=" | "LIKE" | "ILIKE";
  value: string | number;
}

/** One ordering: a field and its direction. */
export interface Ordering {
  kind: FieldKind;
  key: string;
  ascending: boolean;
}

/** Reads a field of an entity; `undefined` when absent. */
export type FieldReader = (kind: FieldKind, key: string) => string | number | undefined;

const PREFIXES: Record<string, FieldKind> = {
  attributes: "attribute",
  attribute: "attribute",
  attr: "attribute",
  run: "attribute",
  tags: "tag",
  tag: "tag",
  params: "param",
  param: "param",
  parameters: "param",
  parameter: "param",
  metrics: "metric",
  metric: "metric",
};

/** An identifier: `prefix.key`, with the key bare, in backticks or in double quotes. */
const IDENT = /^\s*([A-Za-z_]\w*\.(?:`[^`]*`|"[^"]*"|[\w.\-/:]+)|`[^`]*`|[A-Za-z_]\w*)/;

function identifier(raw: string): { kind: FieldKind; key: string } {
  const dot = raw.indexOf(".");
  if (dot > 0) {
    const kind = PREFIXES[raw.slice(0, dot).toLowerCase()];
    if (kind !== undefined) {
      const key = raw.slice(dot + 1).replace(/^[`"]|[`"]$/g, "");
      return { kind, key };
    }
  }
  return { kind: "attribute", key: raw.replace(/^`|`$/g, "") };
}

/** Splits a filter at each `AND` that stands outside quotes and backticks. */
function splitOnAnd(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"' || c === "`") quote = c;
    else if (/\s/.test(c)) {
      const m = /^\s+AND\s+/i.exec(text.slice(i, i + 64));
      if (m !== null) {
        parts.push(text.slice(start, i));
        i += m[0].length - 1;
        start = i + 1;
      }
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Parses a filter such as `metrics.loss < 0.5 AND tags.team = 'vision'`. */
export function parseFilter(filter: string | undefined): Clause[] {
  const text = (filter ?? "").trim();
  if (text === "") return [];
  const clauses: Clause[] = [];
  for (const part of splitOnAnd(text)) {
    const m1 = IDENT.exec(part);
    if (m1 === null) throw new ValidationError(`bad filter clause '${part}'`);
    const rest = part.slice(m1[0].length).trimStart();
    let op: Clause["op"];
    let valueText: string;
    const like = /^(NOT\s+)?(I?LIKE)\s+(.*)$/i.exec(rest);
    if (like) {
      if (like[1]) throw new ValidationError(`NOT LIKE is not supported in '${part}'`);
      op = like[2].toUpperCase() as Clause["op"];
      valueText = like[3];
    } else {
      const opm = /^(<=|>=|!=|=|<|>)\s*(.*)$/.exec(rest);
      if (!opm) throw new ValidationError(`bad comparison in filter clause '${part}'`);
      op = opm[1] as Clause["op"];
      valueText = opm[2];
    }
    valueText = valueText.trim();
    let value: string | number;
    if (/^'.*'$|^".*"$/s.test(valueText)) {
      value = valueText.slice(1, -1); // MLflow strips the quotes and unescapes nothing
    } else if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(valueText)) value = Number(valueText);
    else throw new ValidationError(`bad value in filter clause '${part}'`);
    clauses.push({ ...identifier(m1[1]), op, value });
  }
  return clauses;
}

function likeToRegExp(pattern: string, flags: string): RegExp {
  const body = pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/%/g, ".*").replace(
    /_/g,
    ".",
  );
  return new RegExp(`^${body}$`, flags);
}

/** Whether an entity, read through `read`, matches every clause. */
export function matches(clauses: readonly Clause[], read: FieldReader): boolean {
  for (const c of clauses) {
    const actual = read(c.kind, c.key);
    if (actual === undefined) return false;
    switch (c.op) {
      case "=":
        if (String(actual) !== String(c.value)) return false;
        break;
      case "!=":
        if (String(actual) === String(c.value)) return false;
        break;
      case "LIKE":
      case "ILIKE":
        if (!likeToRegExp(String(c.value), c.op === "ILIKE" ? "is" : "s").test(String(actual))) {
          return false;
        }
        break;
      default: {
        const a = typeof actual === "number" ? actual : Number(actual);
        const b = typeof c.value === "number" ? c.value : Number(c.value);
        const ok = c.op === "<" ? a < b : c.op === "<=" ? a <= b : c.op === ">" ? a > b : a >= b;
        if (!ok) return false;
      }
    }
  }
  return true;
}

/** Parses order clauses such as `attributes.start_time DESC`. */
export function parseOrderBy(orderBy: readonly string[] | undefined): Ordering[] {
  return (orderBy ?? []).map((clause) => {
    const m = /^\s*(.+?)(?:\s+(ASC|DESC))?\s*$/i.exec(clause);
    if (!m) throw new ValidationError(`bad order_by clause '${clause}'`);
    return { ...identifier(m[1]), ascending: (m[2] ?? "ASC").toUpperCase() === "ASC" };
  });
}

/** A comparator for `Array.prototype.sort` from orderings (missing values sort last). */
export function comparator<T>(
  orderings: readonly Ordering[],
  reader: (item: T) => FieldReader,
): (a: T, b: T) => number {
  return (a, b) => {
    for (const o of orderings) {
      const x = reader(a)(o.kind, o.key);
      const y = reader(b)(o.kind, o.key);
      if (x === y) continue;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      const cmp = typeof x === "number" && typeof y === "number"
        ? x - y
        : String(x) < String(y)
        ? -1
        : 1;
      if (cmp !== 0) return o.ascending ? cmp : -cmp;
    }
    return 0;
  };
}
