/**
 * This package's name and version, and the runtime it runs on, as the
 * `User-Agent` of every request names them (OICM's and MLflow's servers log it).
 *
 * @module
 */
import process from "node:process";

/** This package's version (kept equal to deno.json's by a test). */
export const VERSION = "0.1.0";

/** `oicm-tracking-ts/<version> (<runtime> <version>; <os> <arch>)`. */
export function userAgent(): string {
  const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string } };
  const runtime = g.Deno
    ? `deno ${g.Deno.version.deno}`
    : g.Bun
    ? `bun ${g.Bun.version}`
    : `node ${process.versions.node}`;
  return `oicm-tracking-ts/${VERSION} (${runtime}; ${process.platform} ${process.arch})`;
}
