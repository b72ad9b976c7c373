/**
 * A lock file that excludes other processes (and other clients in this one)
 * from work on one store: creating experiments, syncing or draining a spool.
 *
 * The lock is a file created whole with an atomic exclusive create, holding
 * the owner's pid, host and a random token. Its holder touches it every few
 * seconds; a lock whose owner is gone (a pid this host says does not exist) or
 * that nobody touched for `staleMs` is stale and taken over, so a crashed
 * process never blocks a store for good. Deno without `--allow-run` cannot ask
 * about a pid; then only the touch tells.
 *
 * @module
 */
import { readFileSync, renameSync, statSync, unlinkSync, utimesSync } from "node:fs";
import { hostname } from "node:os";
import process from "node:process";
import { TrackingError } from "../core/errors.ts";
import { createExclusiveSync } from "../core/file_io.ts";
import { unrefTimer } from "../core/timers.ts";

/** Who holds a lock, as written in its file. */
interface Owner {
  pid: number;
  host: string;
  token: string;
  since: number;
}

/** How long to wait for a lock, and when a lock is stale. */
export interface LockOptions {
  /** A lock nobody touched for this long is stale. Default 30 000 ms. */
  staleMs?: number;
  /** Give up (a `TrackingError` with code `LOCKED`) after waiting this long. Default 0: no wait. */
  waitMs?: number;
  /** Told once when the lock is held by someone else and this waits. */
  onWait?: (holder: string) => void;
}

/** A lock this process holds; `release()` it when done. */
export interface HeldLock {
  /** Removes the lock file (if it is still ours) and stops touching it. */
  release(): void;
}

let host: string | undefined;
function thisHost(): string {
  try {
    return host ??= hostname();
  } catch {
    return host ??= "unknown-host";
  }
}

function readOwner(path: string): Owner | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

/** False only when this host says the pid does not exist. */
function mayBeAlive(owner: Owner): boolean {
  if (owner.host !== thisHost() || owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code !== "ESRCH";
  }
}

function describe(owner: Owner | undefined): string {
  return owner === undefined
    ? "another process"
    : `process ${owner.pid} on ${owner.host} (since ${new Date(owner.since).toISOString()})`;
}

/** Takes the lock at `path` when it is free or stale; undefined when someone else holds it. */
function tryTake(path: string, staleMs: number): HeldLock | { holder: string } {
  const me: Owner = {
    pid: process.pid,
    host: thisHost(),
    token: crypto.randomUUID(),
    since: Date.now(),
  };
  if (createExclusiveSync(path, JSON.stringify(me))) return hold(path, me, staleMs);
  const owner = readOwner(path);
  let touched: number;
  try {
    touched = statSync(path).mtimeMs;
  } catch {
    return tryTake(path, staleMs); // released meanwhile
  }
  const stale = (owner !== undefined && !mayBeAlive(owner)) || Date.now() - touched > staleMs;
  if (!stale) return { holder: describe(owner) };
  // Move the stale lock aside under a name of our own; if what moved is not the lock we judged
  // stale (someone took it over in between), it goes back.
  const aside = `${path}.stale.${me.token}`;
  try {
    renameSync(path, aside);
  } catch {
    return { holder: describe(owner) }; // someone else moved it first
  }
  const moved = readOwner(aside);
  if (owner !== undefined && moved?.token !== owner.token) {
    try {
      renameSync(aside, path);
    } catch { /* a third party holds it now; theirs stands */ }
    return { holder: describe(moved) };
  }
  try {
    unlinkSync(aside);
  } catch { /* already gone */ }
  if (createExclusiveSync(path, JSON.stringify(me))) return hold(path, me, staleMs);
  return { holder: describe(readOwner(path)) };
}

function hold(path: string, me: Owner, staleMs: number): HeldLock {
  const beat = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch { /* the store went away; release will find out */ }
  }, Math.max(50, staleMs / 3));
  unrefTimer(beat);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      clearInterval(beat);
      if (readOwner(path)?.token === me.token) {
        try {
          unlinkSync(path);
        } catch { /* gone already */ }
      }
    },
  };
}

/**
 * Takes the lock at `path`, waiting up to `waitMs` for its holder; rejects
 * with a `TrackingError` (code `LOCKED`) naming the holder when it is not free
 * in time.
 */
export async function acquireLock(path: string, options: LockOptions = {}): Promise<HeldLock> {
  const staleMs = options.staleMs ?? 30_000;
  const deadline = Date.now() + (options.waitMs ?? 0);
  let told = false;
  for (let pause = 10;; pause = Math.min(pause * 2, 500)) {
    const got = tryTake(path, staleMs);
    if ("release" in got) return got;
    if (Date.now() >= deadline) {
      throw new TrackingError(`${path} is held by ${got.holder}`, { code: "LOCKED" });
    }
    if (!told) {
      told = true;
      options.onWait?.(got.holder);
    }
    await new Promise((r) => setTimeout(r, pause));
  }
}

/** Takes the lock at `path` if it is free (or stale) now; undefined when it is held. */
export function tryLock(path: string, staleMs = 30_000): HeldLock | undefined {
  const got = tryTake(path, staleMs);
  return "release" in got ? got : undefined;
}
