/**
 * Timers that do not keep the process alive, on Deno, Bun and Node alike.
 *
 * @module
 */

/** Lets the process exit while this timer is pending. */
export function unrefTimer(timer: ReturnType<typeof setTimeout>): void {
  const t = timer as unknown as { unref?: () => void };
  if (typeof t.unref === "function") t.unref(); // Node, Bun
  else {
    const deno = (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno;
    deno?.unrefTimer?.(timer as unknown as number);
  }
}
