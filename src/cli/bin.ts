#!/usr/bin/env node
/**
 * The `oicm-tracking` command of the npm package: runs the CLI with the
 * process's arguments and exits with its code. A file of its own because
 * `import.meta.main` is undefined on Node 20, so `src/cli.ts` cannot tell
 * there that it is the program.
 *
 * @module
 */
import process from "node:process";
import { main } from "../cli.ts";

process.exit(await main(process.argv.slice(2)));
