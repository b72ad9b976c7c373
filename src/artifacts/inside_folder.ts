/**
 * Where a file of a run goes in a local folder, checked on the path the
 * system would really write to: the folder joined with the artifact's path
 * must stay inside the folder as a string, and the real path of what exists
 * of it (every symbolic link already there followed) must stay inside the
 * folder's real path. A link that leads out, or nowhere, is refused.
 *
 * @module
 */
import { lstatSync, realpathSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { ValidationError } from "../core/errors.ts";
import { makeFolders } from "../core/file_modes.ts";

/** Whether `path` is `folder` or below it (both absolute, normalised). */
function within(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === "" || (!isAbsolute(rel) && rel !== ".." && !rel.startsWith(`..${sep}`));
}

/** The error for a path that would leave its folder. */
function outside(relPath: string, folder: string, why: string): ValidationError {
  return new ValidationError(
    `'${relPath}' would be written outside ${folder} (${why}); refused`,
    { code: "UNSAFE_ARTIFACT_PATH" },
  );
}

/**
 * The local path of the `/`-separated `relPath` inside `folder` (made when
 * absent), after checking that writing there stays inside `folder` through
 * any symbolic link already on the way; throws a `ValidationError` (code
 * `UNSAFE_ARTIFACT_PATH`) naming the path otherwise. Nothing is created
 * but `folder` itself.
 */
export function pathInside(folder: string, relPath: string): string {
  const base = resolve(folder);
  const target = join(base, ...relPath.split("/"));
  if (!within(base, target) || target === base) {
    throw outside(relPath, base, "it leaves the folder");
  }
  makeFolders(base);
  const realBase = realpathSync(base);
  // The deepest part of the target that exists decides where the rest lands.
  for (let probe = target; probe !== base; probe = dirname(probe)) {
    try {
      lstatSync(probe);
    } catch {
      continue; // not there yet: it will be made as a plain folder or file
    }
    let real: string;
    try {
      real = realpathSync(probe);
    } catch {
      throw outside(relPath, base, `${probe} is a symbolic link that leads nowhere`);
    }
    if (!within(realBase, real)) {
      throw outside(relPath, base, `${probe} leads to ${real}`);
    }
    return target;
  }
  return target;
}
