/**
 * The FileStore's small files: tag and param folders (one file per key),
 * and `meta.yaml` files read with the fields they must have.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { NotFoundError, TrackingError, ValidationError } from "../core/errors.ts";
import { isTempName, KeyFiles, keyPath, listKeys, writeAtomicSync } from "../core/file_io.ts";
import { type MetaValue, readMeta } from "./meta_yaml.ts";

/** Writes tags (experiment or run tags) as files, replacing old values. */
export function putTags(dir: string, tags: Record<string, string>): void {
  const files = new KeyFiles(dir);
  for (const [key, value] of Object.entries(tags)) {
    const conflict = files.conflict(key);
    if (conflict !== undefined) {
      throw new ValidationError(`tag '${key}': ${conflict}`, {
        code: "INVALID_PARAMETER_VALUE",
      });
    }
    writeAtomicSync(files.place(key), value);
  }
}

/** The key files of a folder (`tags/`, `params/`) as a record. */
export async function readKeyValues(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of await listKeys(dir)) out[key] = await readFile(keyPath(dir, key), "utf8");
  return out;
}

/**
 * {@linkcode readKeyValues}, synchronously: a run's small files read one after
 * another cost a tenth of what as many asynchronous reads do (a search reads
 * thousands of them).
 */
export function readKeyValuesSync(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of listKeysSync(dir)) out[key] = readFileSync(keyPath(dir, key), "utf8");
  return out;
}

/** `listKeys` of `core/file_io.ts`, synchronously: the same keys (no link, no temp file). */
export function listKeysSync(dir: string, prefix = ""): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const key = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listKeysSync(join(dir, e.name), key));
    else if (e.isFile() && !isTempName(e.name)) out.push(key);
  }
  return out;
}

/** {@linkcode readMetaFile}, synchronously. */
export function readMetaFileSync(path: string, required: string[]): Record<string, MetaValue> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new NotFoundError(`${path} does not exist`, {
      code: "RESOURCE_DOES_NOT_EXIST",
      cause: err,
    });
  }
  return metaOf(path, text, required);
}

/**
 * A `meta.yaml` read: absent is a `NotFoundError`, unreadable or lacking a
 * `required` field a `CORRUPT_STORE` error naming the file.
 */
export async function readMetaFile(
  path: string,
  required: string[],
): Promise<Record<string, MetaValue>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new NotFoundError(`${path} does not exist`, {
      code: "RESOURCE_DOES_NOT_EXIST",
      cause: err,
    });
  }
  return metaOf(path, text, required);
}

/** A `meta.yaml`'s text read, with the fields it must have. */
function metaOf(path: string, text: string, required: string[]): Record<string, MetaValue> {
  let meta: Record<string, MetaValue>;
  try {
    meta = readMeta(text);
  } catch (err) {
    throw new TrackingError(`the store file ${path} is corrupt: ${(err as Error).message}`, {
      code: "CORRUPT_STORE",
    });
  }
  const absent = required.filter((k) => meta[k] === undefined || meta[k] === null);
  if (absent.length > 0) {
    throw new TrackingError(`the store file ${path} is corrupt: no ${absent.join(", ")}`, {
      code: "CORRUPT_STORE",
    });
  }
  return meta;
}
