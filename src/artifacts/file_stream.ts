/**
 * Files as streams, both ways, in bounded memory: a 1 GiB artifact is read
 * 1 MiB at a time and written as it arrives, never held whole. On Deno its
 * own file API is used (faster reads; downloads written natively).
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { open, stat } from "node:fs/promises";
import { dirname } from "node:path";

const CHUNK = 1 << 20;

/** A file opened for reading: positioned reads of up to `buffer.length` bytes, 0 at the end. */
interface Reader {
  read(buffer: Uint8Array, position: number): Promise<number>;
  close(): void | Promise<void>;
}

/** What Deno offers for files natively (by structural type: this module also runs on Node). */
interface DenoFs {
  open(path: string, options?: { write: true; create: true; truncate: true }): Promise<{
    writable: WritableStream<Uint8Array>;
    seek(offset: number, whence: 0): Promise<number>;
    read(buffer: Uint8Array): Promise<number | null>;
    close(): void;
  }>;
}

const deno = (globalThis as { Deno?: DenoFs }).Deno;

/** Opens a file for reading: Deno's own files on Deno (faster reads), `node:fs` elsewhere. */
async function openReader(path: string): Promise<Reader> {
  if (deno !== undefined) {
    const file = await deno.open(path);
    let at = 0;
    return {
      async read(buffer, position) {
        if (position !== at) at = await file.seek(position, 0);
        const n = (await file.read(buffer)) ?? 0;
        at += n;
        return n;
      },
      close: () => file.close(),
    };
  }
  const handle = await open(path, "r");
  return {
    read: async (buffer, position) =>
      (await handle.read(buffer, 0, buffer.length, position)).bytesRead,
    close: () => handle.close(),
  };
}

/**
 * `length` bytes of a file from `start` (to its end by default) as a stream of
 * chunks; `onRead` is told of each chunk read (an upload's progress).
 */
export function fileStream(
  path: string,
  start = 0,
  length = Infinity,
  onRead: () => void = () => {},
): ReadableStream<Uint8Array> {
  let reader: Reader | undefined;
  let position = start;
  let left = length;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      reader ??= await openReader(path);
      const buffer = new Uint8Array(Math.min(CHUNK, left));
      const read = left <= 0 ? 0 : await reader.read(buffer, position);
      if (read === 0) {
        await reader.close();
        controller.close();
        return;
      }
      position += read;
      left -= read;
      onRead();
      controller.enqueue(read === buffer.length ? buffer : buffer.subarray(0, read));
    },
    async cancel() {
      await reader?.close();
    },
  });
}

/**
 * Writes a stream to a file (its folder made), calling `progress` as bytes
 * land; resolves to the bytes written. On Deno the bytes go from the socket
 * to the file natively (no chunk enters JavaScript: a gigabyte costs a few MB
 * of memory) and progress is seen by the file's growth; elsewhere chunk by
 * chunk.
 */
export async function streamToFile(
  stream: ReadableStream<Uint8Array>,
  path: string,
  progress: () => void = () => {},
): Promise<number> {
  mkdirSync(dirname(path), { recursive: true });
  if (deno !== undefined) {
    const file = await deno.open(path, { write: true, create: true, truncate: true });
    let size = 0;
    const watch = setInterval(() => {
      stat(path).then((s) => {
        if (s.size > size) {
          size = s.size;
          progress();
        }
      }, () => {});
    }, 250);
    try {
      await stream.pipeTo(file.writable);
    } finally {
      clearInterval(watch);
    }
    return (await stat(path)).size;
  }
  const handle = await open(path, "w");
  let written = 0;
  try {
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let offset = 0;
      while (offset < value.length) {
        const { bytesWritten } = await handle.write(value, offset, value.length - offset);
        offset += bytesWritten;
      }
      written += value.length;
      progress();
    }
  } finally {
    await handle.close();
  }
  return written;
}
