/**
 * The modes every file and folder of a store is created with, whatever the
 * runtime: 0644 and 0755 in a store, 0600 and 0700 below a folder kept
 * private (the spool, whose records are sent later under the user's key).
 * The umask may take more away, never add: files are made with `open(2)`'s
 * mode, which Deno, Bun and Node all apply the umask to (Deno's
 * `appendFileSync` and `writeFileSync({ mode })` do not: they chmod).
 *
 * A folder is private when a store was opened on it as private (the spool's
 * store, or any store marked as a spool: a second process syncing the spool
 * keeps its files private too).
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { isAbsolute, resolve, sep } from "node:path";

/** A file in a store: the owner writes, everyone reads (as MLflow's own files). */
const FILE = 0o644;
/** A folder in a store. */
const FOLDER = 0o755;
/** A file below a private folder: the owner's alone. */
const PRIVATE_FILE = 0o600;
/** A folder below a private folder. */
const PRIVATE_FOLDER = 0o700;

/** Private folders, each ending with the path separator. */
const privateFolders: string[] = [];

/** Keeps every file and folder made below `folder` (itself included) to its owner. */
export function keepPrivate(folder: string): void {
  const prefix = resolve(folder) + sep;
  if (!privateFolders.includes(prefix)) privateFolders.push(prefix);
}

/** Whether `path` is (below) a folder kept private. */
export function isPrivate(path: string): boolean {
  if (privateFolders.length === 0) return false;
  const full = (isAbsolute(path) ? path : resolve(path)) + sep;
  return privateFolders.some((prefix) => full.startsWith(prefix));
}

/** The mode a new file at `path` is created with (before the umask). */
export function fileMode(path: string): number {
  return isPrivate(path) ? PRIVATE_FILE : FILE;
}

/** The mode a new folder at `path` is created with (before the umask). */
export function folderMode(path: string): number {
  return isPrivate(path) ? PRIVATE_FOLDER : FOLDER;
}

/** Makes a folder and its missing parents, each with its mode; nothing when it exists. */
export function makeFolders(path: string): void {
  mkdirSync(path, { recursive: true, mode: folderMode(path) });
}
