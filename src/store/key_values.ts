/**
 * The FileStore's small files: tag and param folders (one file per key),
 * and `meta.yaml` files read with the fields they must have.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { NotFoundError, TrackingError, ValidationError } from "../core/errors.ts";
import { KeyFiles, keyPath, listKeys, writeAtomicSync } from "../core/file_io.ts";
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
