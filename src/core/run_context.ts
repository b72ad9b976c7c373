/**
 * The reserved tags MLflow's Python client puts on every new run: who ran it,
 * from which script, and at which git commit. Each is best effort: a missing
 * permission or file leaves that tag out, never fails the run.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

function attempt<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

function user(): string | undefined {
  return attempt(() => process.env.USER || process.env.USERNAME || process.env.LOGNAME) ??
    attempt(() => userInfo().username);
}

/** The path of the script being run: Deno's main module, or argv[1] elsewhere. */
function sourceName(): string | undefined {
  const deno = (globalThis as { Deno?: { mainModule?: string } }).Deno;
  const main = attempt(() => deno?.mainModule);
  if (main) return main.startsWith("file:") ? attempt(() => fileURLToPath(main)) ?? main : main;
  const arg = attempt(() => process.argv[1]);
  return arg ? resolve(arg) : undefined;
}

/** The commit of the git checkout holding `path`, read from `.git` without running git. */
export function gitCommit(path: string): string | undefined {
  let dir = dirname(path);
  for (let i = 0; i < 64; i++) {
    const gitDir = join(dir, ".git");
    const head = attempt(() => readFileSync(join(gitDir, "HEAD"), "utf8").trim());
    if (head !== undefined) {
      if (!head.startsWith("ref: ")) return /^[0-9a-f]{40}$/.test(head) ? head : undefined;
      const ref = head.slice(5);
      const loose = attempt(() => readFileSync(join(gitDir, ref), "utf8").trim());
      if (loose) return loose;
      const packed = attempt(() => readFileSync(join(gitDir, "packed-refs"), "utf8")) ?? "";
      for (const line of packed.split("\n")) {
        const [sha, name] = line.split(" ");
        if (name === ref) return sha;
      }
      return undefined;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

let cached: Record<string, string> | undefined;

/**
 * The reserved tags for a new run: `mlflow.user`, `mlflow.source.name`,
 * `mlflow.source.type` (LOCAL) and `mlflow.source.git.commit` when known.
 */
export function runContextTags(): Record<string, string> {
  if (cached) return { ...cached };
  const tags: Record<string, string> = { "mlflow.source.type": "LOCAL" };
  const who = user();
  if (who) tags["mlflow.user"] = who;
  const source = sourceName();
  if (source) {
    tags["mlflow.source.name"] = source;
    const commit = gitCommit(source);
    if (commit) tags["mlflow.source.git.commit"] = commit;
  }
  cached = tags;
  return { ...tags };
}
