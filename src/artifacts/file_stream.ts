/**
 * Files as streams, both ways, in bounded memory: a 1 GiB artifact is read and
 * written 1 MiB at a time, never held whole.
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname } from "node:path";

const CHUNK = 1 << 20;

/** `length` bytes of a file from `start` (to its end by default) as a stream of chunks. */
export function fileStream(path: string, start = 0, length = Infinity): ReadableStream<Uint8Array> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  let position = start;
  let left = length;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      handle ??= await open(path, "r");
      if (left <= 0) {
        await handle.close();
        controller.close();
        return;
      }
      const buffer = new Uint8Array(Math.min(CHUNK, left));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) {
        await handle.close();
        controller.close();
        return;
      }
      position += bytesRead;
      left -= bytesRead;
      controller.enqueue(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead));
    },
    async cancel() {
      await handle?.close();
    },
  });
}

/** Writes a stream to a file (its folder made), chunk by chunk; resolves to the bytes written. */
export async function streamToFile(
  stream: ReadableStream<Uint8Array>,
  path: string,
): Promise<number> {
  mkdirSync(dirname(path), { recursive: true });
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
    }
  } finally {
    await handle.close();
  }
  return written;
}
