/**
 * Flushing and closing a client: waiting for background work, delivering
 * what is queued (and what overflowed to the spool), gathering every failure
 * into one `DeliveryError`; at close, bounding the wait for a server that
 * answers nothing and saying where what is left waits.
 *
 * @module
 */
import { DeliveryError, toTrackingError, type TrackingError } from "../core/errors.ts";
import { unrefTimer } from "../core/timers.ts";
import type { Batcher } from "../delivery/batcher.ts";
import type { SpoolingBackend } from "../delivery/spool.ts";
import type { Servers } from "./servers.ts";
import type { Transfers } from "./transfers.ts";

/** Many failures as one `DeliveryError`: each cause once, undelivered records summed. */
export function combined(errors: TrackingError[]): DeliveryError {
  const flat = errors.flatMap((e) => e instanceof DeliveryError ? [...e.errors] : [e]);
  const undelivered = errors.reduce(
    (n, e) => n + (e instanceof DeliveryError ? e.undelivered : 0),
    0,
  );
  return new DeliveryError([...new Set(flat)], undelivered);
}

/** What flushing touches. */
export interface FlushParts {
  batcher: Batcher;
  transfers: Transfers;
  spool: SpoolingBackend | undefined;
  /** Work started in the background (run creation, ends). */
  background: Set<Promise<unknown>>;
  /** Failures of background ends since the last flush, taken. */
  takeDetached: () => TrackingError[];
}

/** Waits for background work, delivers everything queued; rejects with what failed. */
export async function flushAll(parts: FlushParts): Promise<void> {
  const errors: TrackingError[] = [];
  while (parts.background.size > 0) await Promise.allSettled([...parts.background]);
  errors.push(...parts.takeDetached(), ...parts.transfers.takeFailures());
  try {
    await parts.batcher.flush();
  } catch (err) {
    if (errors.length === 0) throw err;
    errors.push(toTrackingError(err));
  }
  // Records over maxQueue wait on disk: send them too (when the server is down, they stay there).
  if (parts.spool !== undefined && parts.spool.spooledRuns > 0) {
    await parts.spool.drain().catch((err) => errors.push(toTrackingError(err)));
  }
  errors.push(...parts.takeDetached());
  if (errors.length > 0) throw combined(errors);
}

/** What closing touches. */
export interface CloseParts {
  servers: Servers;
  spool: SpoolingBackend | undefined;
  closeTimeoutMs: number;
  notify: (message: string) => void;
  /** Ends the runs started and opened, and flushes; each failure goes to `note`. */
  endEverything: (note: (err: unknown) => void) => Promise<void>;
}

/**
 * Ends every run and delivers everything, waiting at most `closeTimeoutMs`
 * for a server that answers nothing (what is left stays in the spool, and
 * the notice says how to send it); rejects with what failed.
 */
export async function closeAll(parts: CloseParts): Promise<void> {
  const { servers, spool, closeTimeoutMs, notify } = parts;
  const errors: TrackingError[] = [];
  const note = (err: unknown) => errors.push(toTrackingError(err));
  servers.giveUpAfterQuiet(closeTimeoutMs);
  const waiting = setTimeout(() => {
    if (spool === undefined) return;
    notify(
      `close(): still delivering to ${servers.endpoint.base}; if it answers nothing for ` +
        `${Math.round(closeTimeoutMs / 1000)} s, what is left stays in ${spool.path}`,
    );
  }, Math.min(2_000, closeTimeoutMs));
  unrefTimer(waiting);
  try {
    await parts.endEverything(note);
    if (spool !== undefined && spool.spooledRuns > 0) {
      await spool.drain().catch(note);
      if (spool.spooledRuns > 0) {
        const { base, kind } = servers.endpoint;
        notify(
          `records of ${spool.spooledRuns} run(s) wait in ${spool.path}; send them with: ` +
            `deno run -A jsr:@oicm/tracking/cli sync ${spool.path} --to ${base}` +
            (kind === "oicm" ? ` --workspace ${servers.workspaceId}` : ""),
        );
      }
      spool.stop();
    }
  } finally {
    clearTimeout(waiting);
    servers.giveUpAfterQuiet(undefined);
  }
  if (errors.length > 0) throw combined(errors);
}
