/**
 * What happens at process exit while runs are open: each watching client
 * writes what is queued synchronously (offline into the store, online into the
 * spool) and ends its open runs, FAILED after an uncaught error (or a non-zero
 * exit code), FINISHED after a clean exit, KILLED when SIGINT (Ctrl-C) or
 * SIGTERM stops the process. The user's error is never swallowed: the process
 * still prints it and exits non-zero; a signal still ends the process as that
 * signal does (exit code 130 or 143 in a shell).
 *
 * The hooks, found by trying each runtime:
 * - `process.on("exit")`: a clean end and `process.exit()` on Deno, Bun and
 *   Node (its code is the exit code; after an uncaught error on Node and Bun);
 * - `process.on("uncaughtExceptionMonitor")`: an uncaught exception on all
 *   three, and an unhandled rejection on Deno and Node; it only watches;
 * - on Deno, the global `unload` event: `Deno.exit()` (which skips `exit`);
 * - on Bun, whose monitor misses unhandled rejections, `unhandledRejection`,
 *   rethrowing the reason so that Bun still dies of it (only when no other
 *   listener is there: the user's own listener decides then);
 * - `SIGINT` and `SIGTERM` (none of the above runs when a signal stops a
 *   process): the runs end KILLED, then the listener removes itself and sends
 *   the process the same signal again, so that it dies of it as it would have.
 *   When the user listens to that signal too (through `process.on`), the
 *   user's listener decides and ours does nothing: a graceful stop that calls
 *   `close()` or `process.exit()` ends the runs as those do. (A listener added
 *   with `Deno.addSignalListener` cannot be seen: ours saves and ends the runs,
 *   and the signal sent again reaches that listener, which keeps the process.)
 *
 * They are installed when the first client opens a run and removed when the
 * last watching client closes.
 *
 * @module
 */
import process from "node:process";
import type { EndStatus } from "../core/types.ts";

/** A client that saves its state at exit. */
export interface ExitSaver {
  /** Writes what is queued and ends open runs with `status`, synchronously. */
  saveAtExit(status: EndStatus): void;
}

const savers = new Set<ExitSaver>();
let failed = false;

const deno = (globalThis as { Deno?: { exitCode?: number } }).Deno;
const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
const global = globalThis as {
  addEventListener?: (type: string, fn: () => void) => void;
  removeEventListener?: (type: string, fn: () => void) => void;
};

function saveAll(status: EndStatus): void {
  for (const saver of [...savers]) {
    try {
      saver.saveAtExit(status);
    } catch {
      // Nothing can be reported at exit; the next client still saves.
    }
  }
}

function onExit(code?: number): void {
  const exitCode = typeof code === "number" ? code : (deno?.exitCode ?? 0);
  saveAll(failed || exitCode !== 0 ? "FAILED" : "FINISHED");
}

function onUnload(): void {
  onExit(deno?.exitCode);
}

function onError(): void {
  failed = true;
  saveAll("FAILED");
}

/** The signals that stop a training script from outside: Ctrl-C, and `kill` or a scheduler. */
const SIGNALS = ["SIGINT", "SIGTERM"] as const;
type StopSignal = typeof SIGNALS[number];

const onSignal: Record<StopSignal, () => void> = {
  SIGINT: () => stoppedBy("SIGINT"),
  SIGTERM: () => stoppedBy("SIGTERM"),
};

/**
 * Signal listeners removed in the current task: a `process.once` listener is
 * gone by the time ours is called after it (Deno calls signal listeners in the
 * order they were added, whatever `prependListener` asked), yet it was there.
 */
let removedThisTask = 0;

function onRemoved(event: string | symbol): void {
  if (!(SIGNALS as readonly (string | symbol)[]).includes(event)) return;
  removedThisTask++;
  setTimeout(() => removedThisTask--, 0);
}

function stoppedBy(signal: StopSignal): void {
  // The user's own listener (still there, or a `once` one just called) decides.
  if (process.listenerCount(signal) - 1 + removedThisTask > 0) return;
  saveAll("KILLED");
  uninstall();
  process.kill(process.pid, signal); // no listener now: the process dies of it, as it would have
}

function onBunRejection(reason: unknown): void {
  if (process.listenerCount("unhandledRejection") > 1) return; // the user's listener decides
  onError();
  process.off("unhandledRejection", onBunRejection);
  throw reason; // as if nobody listened: Bun prints it and exits 1
}

function install(): void {
  process.on("exit", onExit);
  process.on("uncaughtExceptionMonitor", onError);
  if (deno !== undefined) global.addEventListener?.("unload", onUnload);
  if (isBun) process.on("unhandledRejection", onBunRejection);
  process.on("removeListener", onRemoved);
  for (const signal of SIGNALS) {
    try {
      // First in line, so that it counts every other listener, a `once` one too (gone once called).
      process.prependListener(signal, onSignal[signal]);
    } catch {
      // a signal this platform cannot listen to (SIGTERM on Windows under Deno)
    }
  }
}

function uninstall(): void {
  process.off("exit", onExit);
  process.off("uncaughtExceptionMonitor", onError);
  if (deno !== undefined) global.removeEventListener?.("unload", onUnload);
  if (isBun) process.off("unhandledRejection", onBunRejection);
  process.off("removeListener", onRemoved);
  for (const signal of SIGNALS) process.off(signal, onSignal[signal]);
}

/**
 * Saves `saver`'s state at exit from now on (idempotent).
 *
 * @example
 * ```ts ignore
 * watchExit({ saveAtExit: (status) => console.log(`runs end ${status}`) });
 * ```
 */
export function watchExit(saver: ExitSaver): void {
  if (savers.has(saver)) return;
  if (savers.size === 0) install();
  savers.add(saver);
}

/** Stops saving `saver`'s state at exit (it closed); the hooks go with the last one. */
export function unwatchExit(saver: ExitSaver): void {
  if (!savers.delete(saver)) return;
  if (savers.size === 0) uninstall();
}
