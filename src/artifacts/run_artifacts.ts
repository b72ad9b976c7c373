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

/** The files below a folder, as `/`-joined paths relative to it (checked now, sent later). */
function filesBelow(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesBelow(join(dir, e.name), rel));
    else if (e.isFile()) out.push(rel);
  }
  return out.sort();
}

/** A file as an upload: `artifactPath/<its name>`. */
export function fileUpload(localPath: string, artifactPath?: string): Upload[] {
  const folder = checkArtifactPath("artifactPath", artifactPath);
  checkLocal(localPath, false);
  return [{ source: localPath, artifactPath: joinArtifactPath(folder, basename(localPath)) }];
}

/** Every file below a folder as uploads, its layout kept under `artifactPath`. */
export function folderUploads(localDir: string, artifactPath?: string): Upload[] {
  const folder = checkArtifactPath("artifactPath", artifactPath);
  checkLocal(localDir, true);
  return filesBelow(localDir).map((rel) => ({
    source: join(localDir, ...rel.split("/")),
    artifactPath: joinArtifactPath(folder, rel),
  }));
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
