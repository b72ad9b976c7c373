/**
 * How the command line prints: text from a store or a server made safe for a
 * terminal, numbers, times and durations, and tables that fit a width (long
 * cells cut with an ellipsis).
 *
 * @module
 */
import process from "node:process";
import type { RunRecord } from "../../mod.ts";

/** C0 and C1 control characters, DEL, and the Unicode marks that reorder or break lines. */
// deno-lint-ignore no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * `text` as a terminal may show it: every control character (C0, C1, DEL) and
 * every bidi or line-separator mark written out as an escape (`\x1b`, `\n`,
 * `\u202e`), so that a name, param, tag or artifact name cannot move the
 * cursor, retitle or clear the terminal, or hide what follows. Every printer
 * of the CLI passes what it was given through this.
 *
 * @example
 * ```ts
 * import { printable } from "@oicm/tracking/cli";
 * console.log(printable("exp\x1b]0;PWNED\x07")); // exp\x1b]0;PWNED\x07, as text
 * ```
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const named = NAMED[c];
    if (named !== undefined) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** A number in at most ~10 characters: integers as they are, others to 4 significant digits. */
export function fmt(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "Inf" : "-Inf";
  return Number.isInteger(v) && Math.abs(v) < 1e9
    ? String(v)
    : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6
    ? String(Number(v.toPrecision(4)))
    : v.toExponential(2);
}

/** How long a run took (or has been going): `340ms` under a second, then `12s`, `3m05s`, `1.5h`. */
export function duration(run: RunRecord): string {
  const end = run.info.endTime ?? Date.now();
  const ms = Math.max(0, end - run.info.startTime);
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  return s < 60
    ? `${s}s`
    : s < 3600
    ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
    : `${(s / 3600).toFixed(1)}h`;
}

/** A local date and time to the minute (`2026-12-01 14:03`), or to the second. */
export function when(ms: number, seconds = false): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  const day = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
  const time = `${two(d.getHours())}:${two(d.getMinutes())}` +
    (seconds ? `:${two(d.getSeconds())}` : "");
  return `${day} ${time}`;
}

/** `n thing` or `n things`. */
export function plural(n: number, thing: string): string {
  return `${n} ${thing}${n === 1 ? "" : "s"}`;
}

/** Display width: code points (what a terminal shows for the text we print). */
export function width(text: string): number {
  return [...text].length;
}

/** `text` cut to `max` columns, ending in `…` when cut. */
export function cut(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return max <= 1 ? "…".slice(0, max) : chars.slice(0, max - 1).join("") + "…";
}

/**
 * Pads rows of cells (each made {@linkcode printable}) into aligned columns
 * no wider than `maxWidth` in all: when they would be, the widest columns give
 * up room first (their cells cut with an ellipsis), down to `minColumn` each;
 * the columns in `keep` (a run's name) only when no other can.
 *
 * @example
 * ```ts
 * import { table } from "@oicm/tracking/cli";
 * console.log(table([["RUN", "LOSS"], ["a", "0.1"]]));
 * ```
 */
export function table(
  rows: string[][],
  maxWidth = Infinity,
  minColumn = 6,
  keep: number[] = [],
): string {
  rows = rows.map((r) => r.map((cell) => printable(cell ?? "")));
  const columns = rows[0].length;
  const widths = Array.from(
    { length: columns },
    (_, c) => Math.max(...rows.map((r) => width(r[c] ?? ""))),
  );
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (columns - 1);
  // The widest column gives up a character first; `keep` columns only once the others cannot.
  const widest = (among: number[]) =>
    among.reduce((w, c) => widths[c] > widths[w] ? c : w, among[0]);
  const others = widths.map((_, c) => c).filter((c) => !keep.includes(c));
  while (total() > maxWidth) {
    let c = others.length > 0 ? widest(others) : undefined;
    if (c === undefined || widths[c] <= minColumn) c = widest(widths.map((_, i) => i));
    if (widths[c] <= minColumn) break;
    widths[c]--;
  }
  return rows.map((r) =>
    r.map((cell, c) => {
      const shown = cut(cell ?? "", widths[c]);
      return shown + " ".repeat(widths[c] - width(shown));
    }).join("  ").trimEnd()
  ).join("\n");
}

/**
 * The terminal's width when writing to one, else 100 columns.
 *
 * @example
 * ```ts ignore
 * console.log(table(rows, terminalWidth()));
 * ```
 */
export function terminalWidth(): number {
  const cols = process.stdout.isTTY === true ? process.stdout.columns : undefined;
  return typeof cols === "number" && cols >= 60 ? cols : 100;
}
