/**
 * The fake server's own reading of MLflow search filters and orderings,
 * written apart from the client's offline parser on purpose: a test that
 * passes through both cannot hide a bug they would share. It follows MLflow's
 * grammar as its server reads it: a tokenizer (quoted strings may hold `AND`,
 * and keep their inner quotes as written, since MLflow unescapes nothing),
 * comparisons joined by `AND`, identifiers `prefix.key` with the key bare, in
 * backticks or in double quotes.
 *
 * @module
 */
import { invalid } from "./wire.ts";

/** One comparison of a parsed filter. */
export interface Comparison {
  /** `attributes`, `tags`, `params` or `metrics`. */
  entity: "attributes" | "tags" | "params" | "metrics";
  /** The key within the entity. */
  key: string;
  /** The comparator, upper-cased. */
  op: string;
  /** The value: a string, a number, or a list for `IN`. */
  value: string | number | string[];
}

/** Reads one field of a searched entity. */
export type Lookup = (entity: Comparison["entity"], key: string) => string | number | undefined;

type Token = { kind: "word" | "string" | "number" | "op" | "list"; text: string; items?: string[] };

const ENTITIES: Record<string, Comparison["entity"]> = {
  attribute: "attributes",
  attributes: "attributes",
  attr: "attributes",
  run: "attributes",
  tag: "tags",
  tags: "tags",
  param: "params",
  params: "params",
  parameter: "params",
  parameters: "params",
  metric: "metrics",
  metrics: "metrics",
};

/** Splits a filter into tokens; quoted text is one token whatever it holds. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  /** The end of the string opening at `start`, as sqlparse's backtracking regex finds it. */
  const closingQuote = (start: number, quote: string, escapes: boolean): number => {
    for (let j = start + 1; j < text.length; j++) {
      if (escapes && text[j] === "\\" && j + 1 < text.length) j++; // \' and \\ stay in
      else if (text[j] === quote) {
        if (text[j + 1] === quote) j++; // '' stays in as written
        else return j;
      }
    }
    return -1;
  };
  const quoted = (quote: string): string => {
    let end = closingQuote(i, quote, true);
    if (end < 0) end = closingQuote(i, quote, false); // a trailing backslash is a character
    if (end < 0) throw invalid(`Invalid filter: unterminated ${quote} string`);
    const inner = text.slice(i + 1, end);
    i = end + 1;
    return inner;
  };
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) i++;
    else if (c === "'") tokens.push({ kind: "string", text: quoted("'") });
    else if (c === '"') tokens.push({ kind: "string", text: quoted('"') });
    else if (c === "`") {
      const end = text.indexOf("`", i + 1);
      if (end < 0) throw invalid("Invalid filter: unterminated backtick");
      tokens.push({ kind: "word", text: text.slice(i, end + 1) });
      i = end + 1;
    } else if ("<>=!".includes(c)) {
      const two = text.slice(i, i + 2);
      const op = ["<=", ">=", "!="].includes(two) ? two : c;
      if (op === "!") throw invalid("Invalid filter: '!' alone");
      tokens.push({ kind: "op", text: op });
      i += op.length;
    } else if (c === "(") {
      const end = text.indexOf(")", i);
      if (end < 0) throw invalid("Invalid filter: unclosed '('");
      const items = text.slice(i + 1, end).split(",").map((s) =>
        s.trim().replace(/^'(.*)'$/s, "$1")
      );
      tokens.push({ kind: "list", text: text.slice(i, end + 1), items });
      i = end + 1;
    } else {
      const m = /^[^\s'"<>=!()]+/.exec(text.slice(i))!;
      // A `prefix.`"quoted key"` identifier is one word.
      let word = m[0];
      i += word.length;
      if (word.endsWith(".") && (text[i] === '"' || text[i] === "`")) {
        const close = text.indexOf(text[i], i + 1);
        if (close < 0) throw invalid("Invalid filter: unterminated quoted key");
        word += text.slice(i, close + 1);
        i = close + 1;
      }
      tokens.push({
        kind: /^-?\d+(\.\d*)?([eE][-+]?\d+)?$/.test(word) ? "number" : "word",
        text: word,
      });
    }
  }
  return tokens;
}

function identifier(word: string): { entity: Comparison["entity"]; key: string } {
  const unquote = (s: string) => s.replace(/^[`"](.*)[`"]$/s, "$1");
  const dot = word.indexOf(".");
  if (dot > 0 && !word.startsWith("`")) {
    const entity = ENTITIES[word.slice(0, dot).toLowerCase()];
    if (entity === undefined) {
      throw invalid(`Invalid entity type '${word.slice(0, dot)}' in filter`);
    }
    return { entity, key: unquote(word.slice(dot + 1)) };
  }
  return { entity: "attributes", key: unquote(word) };
}

/** Parses an MLflow filter string; a malformed one is a 400 INVALID_PARAMETER_VALUE. */
export function parseSearchFilter(filter: string | undefined): Comparison[] {
  const tokens = tokenize(filter ?? "");
  const out: Comparison[] = [];
  let i = 0;
  while (i < tokens.length) {
    if (out.length > 0) {
      if (tokens[i].kind !== "word" || tokens[i].text.toUpperCase() !== "AND") {
        throw invalid(`Invalid filter: expected AND, got '${tokens[i].text}'`);
      }
      i++;
    }
    const ident = tokens[i++];
    if (ident?.kind !== "word") throw invalid("Invalid filter: expected an identifier");
    let op = tokens[i++];
    let opText = op?.text.toUpperCase();
    if (op?.kind === "word" && opText === "NOT") {
      op = tokens[i++];
      opText = `NOT ${op?.text.toUpperCase()}`;
    }
    if (
      op === undefined ||
      !["=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "IN", "NOT IN"].includes(opText!)
    ) {
      throw invalid(`Invalid filter: bad comparator after '${ident.text}'`);
    }
    const value = tokens[i++];
    if (value === undefined || value.kind === "op" || value.kind === "word") {
      throw invalid(`Invalid filter: '${ident.text} ${op.text}' needs a quoted or numeric value`);
    }
    const { entity, key } = identifier(ident.text);
    out.push({
      entity,
      key,
      op: opText!,
      value: value.kind === "list"
        ? value.items!
        : value.kind === "number"
        ? Number(value.text)
        : value.text,
    });
  }
  return out;
}

function like(pattern: string, caseless: boolean): RegExp {
  let body = "";
  for (const ch of pattern) {
    body += ch === "%" ? ".*" : ch === "_" ? "." : ch.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
  }
  return new RegExp(`^${body}$`, caseless ? "is" : "s");
}

/** Whether the entity read by `lookup` satisfies every comparison. */
export function satisfies(comparisons: readonly Comparison[], lookup: Lookup): boolean {
  return comparisons.every(({ entity, key, op, value }) => {
    const actual = lookup(entity, key);
    if (actual === undefined) return false;
    if (op === "IN" || op === "NOT IN") {
      const hit = (value as string[]).includes(String(actual));
      return op === "IN" ? hit : !hit;
    }
    if (op === "LIKE" || op === "ILIKE") {
      return like(String(value), op === "ILIKE").test(String(actual));
    }
    if (op === "=") return String(actual) === String(value);
    if (op === "!=") return String(actual) !== String(value);
    const a = Number(actual);
    const b = Number(value);
    return op === "<" ? a < b : op === "<=" ? a <= b : op === ">" ? a > b : a >= b;
  });
}

/** One `order_by` clause: what to sort by, and which way. */
export interface SortKey {
  /** The entity. */
  entity: Comparison["entity"];
  /** The key within it. */
  key: string;
  /** Smallest first. */
  ascending: boolean;
}

/** Parses `order_by` clauses such as `metrics.loss DESC`. */
export function parseSortKeys(clauses: unknown): SortKey[] {
  if (clauses === undefined || clauses === null) return [];
  if (!Array.isArray(clauses)) throw invalid("order_by must be a list of strings");
  return clauses.map((clause) => {
    if (typeof clause !== "string") throw invalid("order_by must be a list of strings");
    const m = /^\s*(.+?)(?:\s+(asc|desc))?\s*$/i.exec(clause);
    if (m === null) throw invalid(`Invalid order_by clause '${clause}'`);
    return { ...identifier(m[1]), ascending: m[2]?.toLowerCase() !== "desc" };
  });
}

/** Sorts `items` by the keys (absent values last), stably. */
export function sortBy<T>(items: T[], keys: readonly SortKey[], lookup: (item: T) => Lookup): T[] {
  return items.sort((x, y) => {
    for (const { entity, key, ascending } of keys) {
      const a = lookup(x)(entity, key);
      const b = lookup(y)(entity, key);
      if (a === b) continue;
      if (a === undefined) return 1;
      if (b === undefined) return -1;
      const order = typeof a === "number" && typeof b === "number"
        ? a - b
        : String(a).localeCompare(String(b));
      if (order !== 0) return ascending ? order : -order;
    }
    return 0;
  });
}
