/**
 * Artifact paths as MLflow takes them: relative, `/`-separated, with no `..`
 * segment (`\` counts as `/`), no NUL and no name beginning `#tmp.` (a
 * store's temporary files), so no artifact can land outside its run's folder
 * and none is hidden. One rule for every path, whatever its source: given by
 * the caller, found by walking a folder, or listed by a server. Bad input is a
 * `ValidationError` before any I/O.
 *
 * @module
 */
import { statSync } from "node:fs";
import { ValidationError } from "../core/errors.ts";
import { isTempName } from "../core/file_io.ts";

/**
 * Checks an artifact path (a folder to log into, or a file's path in the
 * run's artifacts): undefined or a relative path without `..`, NUL or `\`.
 * Returns it without leading `./` and trailing `/`.
 */
export function checkArtifactPath(what: string, path: string | undefined): string | undefined {
  if (path === undefined || path === "" || path === ".") return undefined;
  if (typeof path !== "string") {
    throw new ValidationError(`${what} must be a string, got ${typeof path}`);
  }
  if (path.includes("\0")) {
    throw new ValidationError(`${what} ${JSON.stringify(path)} holds a NUL character`);
  }
  if (path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith("\\")) {
    throw new ValidationError(
      `${what} '${path}' is absolute; give a path relative to the run's artifacts`,
    );
  }
  const parts = path.replace(/\\/g, "/").split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) {
    throw new ValidationError(`${what} '${path}' holds '..': it would leave the run's artifacts`);
  }
  if (parts.some(isTempName)) {
    throw new ValidationError(
      `${what} '${path}': names beginning '#tmp.' are kept for temporary files`,
    );
  }
  return parts.length === 0 ? undefined : parts.join("/");
}

/**
 * Checks a path a listing gave (a server's, or a store's folder): it must pass
 * {@linkcode checkArtifactPath} as it stands (already in the normal form, so
 * `a//b`, `./a` and `a\b` are refused too) and lie below the folder listed.
 * Throws a `ValidationError` with code `UNSAFE_ARTIFACT_PATH` naming it.
 */
export function checkListedPath(what: string, listed: string, under: string | undefined): string {
  let checked: string | undefined;
  try {
    checked = checkArtifactPath(`${what} holds the path`, listed);
  } catch (err) {
    throw new ValidationError((err as Error).message, { code: "UNSAFE_ARTIFACT_PATH" });
  }
  if (checked !== listed) {
    throw new ValidationError(
      `${what} holds the path ${JSON.stringify(listed)}, which is not a plain relative path`,
      { code: "UNSAFE_ARTIFACT_PATH" },
    );
  }
  if (under !== undefined && !listed.startsWith(`${under}/`)) {
    throw new ValidationError(
      `${what} holds the path '${listed}', which is not below the folder listed, '${under}'`,
      { code: "UNSAFE_ARTIFACT_PATH" },
    );
  }
  return listed;
}

/** A file's path in the run's artifacts (it must name a file: not empty). */
export function checkArtifactFile(what: string, path: string): string {
  const checked = checkArtifactPath(what, path);
  if (checked === undefined) throw new ValidationError(`${what} must name a file, got '${path}'`);
  return checked;
}

/** `folder/name`, or `name` when there is no folder. */
export function joinArtifactPath(folder: string | undefined, name: string): string {
  return folder === undefined ? name : `${folder}/${name}`;
}

/** Checks that `localPath` is a file (or, with `dir`, a folder); its size when a file. */
export function checkLocal(localPath: string, dir: boolean): number {
  if (typeof localPath !== "string" || localPath === "") {
    throw new ValidationError(`a local ${dir ? "folder" : "file"} path is needed`);
  }
  if (localPath.includes("\0")) throw new ValidationError(`'${localPath}' holds a NUL character`);
  let stat;
  try {
    stat = statSync(localPath);
  } catch {
    throw new ValidationError(`no ${dir ? "folder" : "file"} at ${localPath}`);
  }
  if (dir && !stat.isDirectory()) {
    throw new ValidationError(`${localPath} is a file; logArtifacts logs a folder's files`);
  }
  if (!dir && stat.isDirectory()) {
    throw new ValidationError(`${localPath} is a folder; use logArtifacts for a folder`);
  }
  return stat.size;
}
