/**
 * What `Run` (and the client, for the active run) offers for artifacts and
 * inputs, checked before any I/O: `logArtifact`, `logArtifacts`, `logText`,
 * `logDict` and `logInput`. Each hands its work to the run's owner, which
 * runs it once the run exists, and which the run's end, `flush()` and
 * `close()` wait for.
 *
 * @module
 */
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { dump } from "js-yaml";
import { ValidationError } from "../core/errors.ts";
import { toWireInput } from "../core/datasets.ts";
import type { DatasetInput } from "../core/types.ts";
import { checkArtifactFile, checkArtifactPath, checkLocal, joinArtifactPath } from "./paths.ts";

/** One artifact upload: the bytes (or a local file) and their path in the run's artifacts. */
export interface Upload {
  source: string | Uint8Array;
  artifactPath: string;
}

/** Runs artifact work for a run once it exists (see `RunOwner.transfer`). */
export type Transfer = (work: Upload[] | { inputs: DatasetInput[] }) => Promise<void>;

/** What walking a folder found: its files, and what it passed over (links, devices). */
interface Walked {
  /** Each file: its local path, and its path relative to the folder, `/`-joined. */
  files: { local: string; rel: string }[];
  /** Entries that are neither a file nor a folder (symbolic links first of all). */
  skipped: string[];
}

/** The files below a folder (checked now, sent later); links are not followed. */
function walk(dir: string, prefix: string, found: Walked): Walked {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) walk(join(dir, e.name), rel, found);
    else if (e.isFile()) found.files.push({ local: join(dir, e.name), rel });
    else found.skipped.push(rel);
  }
  return found;
}

/** A file as an upload: `artifactPath/<its name>`; the name passes the rule given paths pass. */
export function fileUpload(localPath: string, artifactPath?: string): Upload[] {
  const folder = checkArtifactPath("artifactPath", artifactPath);
  checkLocal(localPath, false);
  const name = basename(localPath);
  return [{
    source: localPath,
    artifactPath: checkArtifactFile(`the file ${localPath}`, joinArtifactPath(folder, name)),
  }];
}

/** How many skipped entries a notice names. */
const NAMED = 5;

/**
 * Every file below a folder as uploads, its layout kept under `artifactPath`.
 * Each name found passes the rule given names pass (a name the store cannot
 * hold refuses the whole call, naming it, before any upload); symbolic links
 * and other entries that are no file are skipped, and `notice` hears of them
 * once.
 */
export function folderUploads(
  localDir: string,
  artifactPath?: string,
  notice: (message: string) => void = () => {},
): Upload[] {
  const folder = checkArtifactPath("artifactPath", artifactPath);
  checkLocal(localDir, true);
  const { files, skipped } = walk(localDir, "", { files: [], skipped: [] });
  const uploads = files.sort((a, b) => a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0).map((f) => ({
    source: f.local,
    artifactPath: checkArtifactFile(`a file in ${localDir}`, joinArtifactPath(folder, f.rel)),
  }));
  if (skipped.length > 0) {
    const named = skipped.sort().slice(0, NAMED).map((s) => JSON.stringify(s)).join(", ");
    const more = skipped.length > NAMED ? ` and ${skipped.length - NAMED} more` : "";
    notice(
      `logArtifacts(${localDir}): skipped ${skipped.length} entr${
        skipped.length === 1 ? "y" : "ies"
      } that are symbolic links or not regular files (links are not followed): ${named}${more}`,
    );
  }
  return uploads;
}

/** Text as an upload at `artifactFile` (UTF-8). */
export function textUpload(text: string, artifactFile: string): Upload[] {
  if (typeof text !== "string") throw new ValidationError("logText takes a string");
  const path = checkArtifactFile("artifactFile", artifactFile);
  return [{ source: new TextEncoder().encode(text), artifactPath: path }];
}

/** Bytes in memory (a serialized model) as an upload at `artifactFile`. */
export function bytesUpload(bytes: Uint8Array, artifactFile: string): Upload[] {
  if (!(bytes instanceof Uint8Array)) {
    throw new ValidationError(
      "logBytes takes a Uint8Array (wrap an ArrayBuffer: new Uint8Array(buf))",
    );
  }
  const path = checkArtifactFile("artifactFile", artifactFile);
  return [{ source: bytes.slice(), artifactPath: path }]; // a copy: the caller may reuse its buffer
}

/** A value as JSON (YAML for `.yaml` / `.yml`, as MLflow's `log_dict`) at `artifactFile`. */
export function dictUpload(value: unknown, artifactFile: string): Upload[] {
  const path = checkArtifactFile("artifactFile", artifactFile);
  let text: string | undefined;
  try {
    // As MLflow's log_dict: YAML in the order given, or JSON indented by 2.
    text = /\.ya?ml$/i.test(path)
      ? dump(value, { sortKeys: false, lineWidth: -1 })
      : JSON.stringify(value, null, 2);
  } catch (err) {
    throw new ValidationError(`logDict cannot write ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (text === undefined) throw new ValidationError("logDict takes a value JSON can hold");
  return [{ source: new TextEncoder().encode(text), artifactPath: path }];
}

/** Dataset inputs, checked. */
export function inputsOf(inputs: DatasetInput | readonly DatasetInput[]): DatasetInput[] {
  const list = Array.isArray(inputs) ? [...inputs] : [inputs as DatasetInput];
  for (const input of list) toWireInput(input); // throws a ValidationError naming what is wrong
  return list;
}
