/**
 * Where the fake server keeps artifact files: in memory by default, or in a
 * folder on disk (for gigabyte files, as the benchmarks send). Files go in and
 * out as streams either way; a file's CRC-32 is taken as it is written.
 *
 * @module
 */
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "../artifacts/crc32.ts";
import { fileStream, streamToFile } from "../artifacts/file_stream.ts";
import { pathInside } from "../artifacts/inside_folder.ts";
import { invalid } from "./wire.ts";

/**
 * One entry of a folder, in MLflow's `FileInfo` wire form.
 *
 * @example
 * ```ts
 * import type { FileInfoJson } from "@oicm/tracking/testing";
 * const entry: FileInfoJson = { path: "model.json", is_dir: false, file_size: 120 };
 * ```
 */
export interface FileInfoJson {
  /** The name, relative to the folder listed. */
  path: string;
  /** Whether it is a folder. */
  is_dir: boolean;
  /** A file's size in bytes. */
  file_size?: number;
}

/**
 * A stored file: its size, its CRC-32, and its bytes as a stream.
 *
 * @example
 * ```ts
 * import type { StoredFile } from "@oicm/tracking/testing";
 * const text = async (f: StoredFile) => await new Response(f.stream()).text();
 * ```
 */
export interface StoredFile {
  /** Size in bytes. */
  size: number;
  /** CRC-32 of its bytes (IEEE, as zlib's). */
  crc32: number;
  /** Its bytes, read anew at each call. */
  stream(): ReadableStream<Uint8Array>;
}

/**
 * Artifact files by `/`-joined key (`0/<run id>/artifacts/model/model.json`).
 *
 * @example
 * ```ts
 * import { FakeArtifactStore } from "@oicm/tracking/testing";
 * const files = new FakeArtifactStore();
 * await files.write("0/r1/artifacts/a.txt", new Blob(["hi"]).stream());
 * console.log(new TextDecoder().decode(await files.bytes("0/r1/artifacts/a.txt"))); // "hi"
 * ```
 */
export class FakeArtifactStore {
  readonly #dir: string | undefined;
  readonly #memory = new Map<string, { bytes: Uint8Array<ArrayBuffer>; crc32: number }>();
  readonly #crcs = new Map<string, number>();

  /** Files in memory, or below `dir` when given. */
  constructor(dir?: string) {
    this.#dir = dir;
  }

  /** Stores a stream as `key` (replacing any file there); resolves to its size and CRC-32. */
  async write(
    key: string,
    body: ReadableStream<Uint8Array> | null,
  ): Promise<{ size: number; crc32: number }> {
    let crc = 0;
    let size = 0;
    const counted = (body ?? new Blob([]).stream()).pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          crc = crc32(chunk, crc);
          size += chunk.length;
          controller.enqueue(chunk);
        },
      }),
    );
    if (this.#dir === undefined) {
      const bytes = new Uint8Array(await new Response(counted).arrayBuffer());
      this.#memory.set(key, { bytes, crc32: crc });
    } else {
      await streamToFile(counted, this.#path(key)); // its folder made
      this.#crcs.set(key, crc);
    }
    return { size, crc32: crc };
  }

  /** The file at `key`, if there is one. */
  read(key: string): StoredFile | undefined {
    if (this.#dir === undefined) {
      const file = this.#memory.get(key);
      if (file === undefined) return undefined;
      return {
        size: file.bytes.length,
        crc32: file.crc32,
        stream: () => new Blob([file.bytes]).stream(),
      };
    }
    const path = this.#path(key);
    try {
      const stat = statSync(path);
      if (!stat.isFile()) return undefined;
      return {
        size: stat.size,
        crc32: this.#crcs.get(key) ?? 0,
        stream: () => fileStream(path),
      };
    } catch {
      return undefined;
    }
  }

  /** The bytes of the file at `key` (for tests; a large file is read whole). */
  async bytes(key: string): Promise<Uint8Array | undefined> {
    const file = this.read(key);
    if (file === undefined) return undefined;
    return new Uint8Array(await new Response(file.stream()).arrayBuffer());
  }

  /** Removes the file at `key` and every file below it. */
  remove(key: string): void {
    if (this.#dir === undefined) {
      for (const k of [...this.#memory.keys()]) {
        if (k === key || k.startsWith(key + "/")) this.#memory.delete(k);
      }
    } else {
      rmSync(this.#path(key), { recursive: true, force: true });
    }
  }

  /** One level below the folder `key`, names relative to it, as MLflow's server lists. */
  list(key: string): FileInfoJson[] {
    if (this.#dir !== undefined) {
      let entries;
      try {
        entries = readdirSync(this.#path(key), { withFileTypes: true });
      } catch {
        return [];
      }
      return entries.map((e) =>
        e.isDirectory() ? { path: e.name, is_dir: true } : {
          path: e.name,
          is_dir: false,
          file_size: statSync(join(this.#path(key), e.name)).size,
        }
      ).sort((a, b) => a.path.localeCompare(b.path));
    }
    const prefix = key === "" ? "" : key + "/";
    const seen = new Map<string, FileInfoJson>();
    for (const [k, file] of this.#memory) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length);
      const slash = rest.indexOf("/");
      const name = slash < 0 ? rest : rest.slice(0, slash);
      seen.set(
        name,
        slash < 0
          ? { path: name, is_dir: false, file_size: file.bytes.length }
          : { path: name, is_dir: true },
      );
    }
    return [...seen.values()].sort((a, b) => a.path.localeCompare(b.path));
  }

  /** The file of `key`, inside the folder on the real path (through any link), else a 400. */
  #path(key: string): string {
    if (key === "") return this.#dir!;
    try {
      return pathInside(this.#dir!, key);
    } catch (err) {
      throw invalid(`Invalid path: ${(err as Error).message}`);
    }
  }
}
