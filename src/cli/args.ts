/**
 * The command line's grammar: each command declares its positional arguments
 * and its flags, and anything else (an unknown command, an unknown flag, a
 * flag without its value, one argument too many) is a {@linkcode UsageError}
 * naming it, which `main` prints with the usage and exit code 2.
 *
 * @module
 */

/** A flag takes a value (`--store DIR`, `--store=DIR`) or is a switch (`--force`). */
export type FlagKind = "value" | "switch";

/** What a command was given: its positional arguments and its flags (a switch reads `"true"`). */
export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string>;
}

/**
 * One command: how it is called, what it accepts, and what it does.
 *
 * @example
 * ```ts ignore
 * const hello: Command = {
 *   synopsis: "hello NAME [--loud]", summary: "greets", args: ["NAME"], required: 1,
 *   flags: { loud: "switch" },
 *   run: async ({ positional: [name], flags }) => flags.loud ? `HELLO ${name}` : `hello ${name}`,
 * };
 * ```
 */
export interface Command {
  /** The call, as the usage shows it: `show RUN_ID [--store DIR] [--html FILE]`. */
  synopsis: string;
  /** What it does, one or two short lines. */
  summary: string;
  /** Names of the positional arguments; those after `required` are optional. */
  args: string[];
  /** How many of `args` must be given. */
  required: number;
  /** Whether the last of `args` may repeat (`compare RUN_ID RUN_ID [...]`). */
  variadic?: boolean;
  /** Every flag it accepts. */
  flags: Record<string, FlagKind>;
  /** Runs it; resolves to what is printed on stdout. */
  run(parsed: ParsedArgs): Promise<string>;
}

/** A command line the CLI does not understand; printed with the usage, exit code 2. */
export class UsageError extends Error {
  /** The command it concerns, when known (its usage is printed alone). */
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

/**
 * Parses `args` for `command` (named `name`), refusing what it does not declare.
 *
 * @example
 * ```ts ignore
 * parseArgs("show", show, ["abc123", "--store", "./mlruns"]);
 * // { positional: ["abc123"], flags: { store: "./mlruns" } }; "--bogus" throws a UsageError
 * ```
 */
export function parseArgs(name: string, command: Command, args: string[]): ParsedArgs {
  const out: ParsedArgs = { positional: [], flags: {} };
  let flagsDone = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!flagsDone && a === "--") {
      flagsDone = true;
    } else if (!flagsDone && a.startsWith("-") && a.length > 1) {
      if (!a.startsWith("--")) throw new UsageError(`unknown flag ${a} for ${name}`, name);
      // Split at the first '=' only: a value may hold '=' (base64 padding).
      const eq = a.indexOf("=");
      const flag = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const kind = command.flags[flag];
      if (kind === undefined) throw new UsageError(`unknown flag --${flag} for ${name}`, name);
      // One value per flag: the second silently won before (`--store a --store b` read b).
      if (flag in out.flags) throw new UsageError(`--${flag} is given twice`, name);
      if (kind === "switch") {
        if (eq >= 0) throw new UsageError(`--${flag} takes no value`, name);
        out.flags[flag] = "true";
      } else if (eq >= 0) {
        out.flags[flag] = a.slice(eq + 1);
      } else {
        if (i + 1 >= args.length) throw new UsageError(`--${flag} needs a value`, name);
        out.flags[flag] = args[++i];
      }
      if (kind === "value" && out.flags[flag] === "") {
        throw new UsageError(`--${flag} needs a value`, name);
      }
    } else out.positional.push(a);
  }
  if (out.positional.length < command.required) {
    const missing = command.args.slice(out.positional.length, command.required);
    throw new UsageError(`${name} needs ${missing.join(" ")}`, name);
  }
  if (!command.variadic && out.positional.length > command.args.length) {
    const extra = out.positional[command.args.length];
    throw new UsageError(`unexpected argument ${JSON.stringify(extra)} for ${name}`, name);
  }
  return out;
}

/**
 * The usage of every command (or of one), aligned.
 *
 * @example
 * ```ts ignore
 * console.error(usage({ runs, show }, "show")); // "usage: oicm-tracking ...\n  show RUN_ID ..."
 * ```
 */
export function usage(commands: Record<string, Command>, only?: string): string {
  const names = only !== undefined && only in commands ? [only] : Object.keys(commands);
  const lines = ["usage: oicm-tracking COMMAND [ARGS] [FLAGS]", ""];
  for (const name of names) {
    const c = commands[name];
    lines.push(`  ${c.synopsis}`, ...c.summary.split("\n").map((l) => `      ${l}`));
  }
  return lines.join("\n");
}
