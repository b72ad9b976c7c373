/**
 * The command line: look at a local store or a server, and upload a store.
 *
 * ```sh
 * oicm-tracking runs [--store DIR | --from URL] [--columns lr,loss] [--sort -metrics.acc] [--filter "metrics.loss < 0.1"]
 * oicm-tracking show RUN_ID [--store DIR | --from URL] [--html report.html]
 * oicm-tracking artifacts RUN_ID [PATH] [--store DIR | --from URL]
 * oicm-tracking compare RUN_ID RUN_ID [...] [--store DIR | --from URL] [--html compare.html]
 * oicm-tracking ui [--store DIR | --from URL] [--port 5050]
 * OICM_TRACKING_API_KEY=... oicm-tracking sync [STORE] --to URI [--workspace WS]
 * ```
 *
 * (`npx oicm-tracking` / `bunx oicm-tracking` from the npm package; in Deno,
 * `deno run -A jsr:@oicm/tracking/cli`.) The read commands read `./mlruns` by
 * default, or the server the environment names (`MLFLOW_TRACKING_URI`,
 * `OICM_TRACKING_API_HOST`), with the key the library would use for it.
 * `sync` reads the API key from `OICM_TRACKING_API_KEY` for an OICM host or
 * `MLFLOW_TRACKING_TOKEN` for an MLflow server (or `--api-key`, which lands in
 * shell history and in `deno task`'s echo of the command line); it never prints it.
 * An unknown command or flag is an error naming it, with the usage (exit code 2).
 *
 * @module
 */
import process from "node:process";
import { type Command, parseArgs, usage, UsageError } from "./cli/args.ts";
import { printable } from "./cli/format.ts";
import { artifacts, runs, show } from "./cli/read_commands.ts";
import { compareCommand } from "./cli/compare.ts";
import { uiCommand } from "./cli/ui.ts";
import { sync } from "./cli/sync_command.ts";

export { printable, table } from "./cli/format.ts";
export { sparkline } from "./cli/sparkline.ts";

/**
 * Every command, by name. A command is declared with its arguments and flags
 * (anything else is refused) and resolves to what it prints.
 */
const COMMANDS: Record<string, Command> = {
  runs,
  show,
  compare: compareCommand,
  artifacts,
  ui: uiCommand,
  sync,
};

/** Prints `text` with every line made printable (no control character reaches the terminal). */
function print(write: (line: string) => void, text: string): void {
  write(text.split("\n").map(printable).join("\n"));
}

/**
 * Runs the command line with `args` and resolves to the exit code: 0 when it
 * worked, 1 when the command failed, 2 for a command line it does not
 * understand (an unknown command or flag, named, with the usage). Output goes
 * to stdout, errors (never the API key) to stderr.
 *
 * @example
 * ```ts ignore
 * import { main } from "@oicm/tracking/cli";
 * const code = await main(["runs", "--store", "./mlruns"]);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === "--help" || name === "-h" || name === "help") {
    console.log(usage(COMMANDS));
    return 0;
  }
  const command = name === undefined ? undefined : COMMANDS[name];
  try {
    if (command === undefined) {
      throw new UsageError(
        name === undefined ? "no command given" : `unknown command ${JSON.stringify(name)}`,
      );
    }
    if (rest.includes("--help") || rest.includes("-h")) {
      console.log(usage(COMMANDS, name));
      return 0;
    }
    print(console.log, await command.run(parseArgs(name!, command, rest)));
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    print(console.error, `error: ${message}`);
    if (err instanceof UsageError) {
      console.error(usage(COMMANDS, err.command));
      return 2;
    }
    return 1;
  }
}

if ((import.meta as { main?: boolean }).main) process.exit(await main(process.argv.slice(2)));
