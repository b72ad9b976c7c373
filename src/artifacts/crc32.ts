/**
 * CRC-32 (IEEE, as zlib's `crc32`), over a buffer or a file read in chunks,
 * and its base64 of the four big-endian bytes that OICM's multipart upload
 * checks each part and the whole file against.
 *
 * @module
 */
import { open } from "node:fs/promises";

const TABLE = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c >>> 0;
}

/** Continues a CRC-32 (`crc`, 0 to start) over `bytes`. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** A CRC-32 as base64 of its four big-endian bytes. */
export function crc32Base64(crc: number): string {
  const b = new Uint8Array([crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff]);
  return btoa(String.fromCharCode(...b));
}

/** The CRC-32 of `length` bytes of a file from `start` (to its end by default), read in 1 MiB chunks. */
export async function fileCrc32(path: string, start = 0, length = Infinity): Promise<number> {
  const handle = await open(path, "r");
  try {
    const buffer = new Uint8Array(1 << 20);
    let crc = 0;
    let position = start;
    let left = length;
    while (left > 0) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, left), position);
      if (bytesRead === 0) break;
      crc = crc32(buffer.subarray(0, bytesRead), crc);
      position += bytesRead;
      left -= bytesRead;
    }
    return crc;
  } finally {
    await handle.close();
  }
}
