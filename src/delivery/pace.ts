/**
 * Backing off as a group: how many batches a client keeps in flight and how
 * long it waits between them, from how the server answers (additive increase,
 * multiplicative decrease). Overload (an overload answer, or an answer slower
 * than `slowMs`) drops the window to one request and doubles the gap between
 * batches (from 250 ms, or from half the answer's time, up to 2 s). Every
 * answer that is no overload halves the gap; a fast one (under `fastMs`) also
 * widens the window by `1/window` (about one more request per round trip). A database server slows down as more
 * writers contend for it; many processes on one server so converge on what
 * it can take instead of queuing past its timeouts.
 *
 * One notice when backing off starts, one when the client has caught up (the
 * window is whole again, or nothing waits), each with how many records wait;
 * backing off again within a minute of catching up is the same episode, not
 * told again.
 *
 * @module
 */

/** An answer as the pace reads it (the transport's `LoadSignal`). */
export interface PaceSignal {
  /** The attempt met overload. */
  overloaded: boolean;
  /** When the attempt started (ms since the epoch). */
  startedAt: number;
  /** How long it took, in ms. */
  latencyMs: number;
  /** The overload's words. */
  reason?: string;
  /** The request gave up: records go to the spool now, with no gap between them. */
  gaveUp?: boolean;
}

/** How a {@linkcode Pace} starts and whom it tells. */
export interface PaceOptions {
  /** The widest window (requests in flight) when the server keeps up. */
  maxInFlight: number;
  /** How many records wait (for the notices). */
  waiting: () => number;
  /** Told once when backing off starts, once when caught up. */
  notify: (message: string) => void;
  /** An answer slower than this (ms) does not widen the window. Default 1000. */
  fastMs?: number;
  /**
   * An answer slower than this (ms) is overload too. Default 20 000: two thirds of MLflow's 30 s
   * database pool timeout (answers queued that long are about to time out; 8 processes at two
   * requests each wait ~12 s on a busy 2-core server, and are best left alone).
   */
  slowMs?: number;
}

const FIRST_GAP_MS = 250;
const MAX_GAP_MS = 2000;
/** Backing off again within this long after catching up is not told again. */
const QUIET_MS = 60_000;

/**
 * The in-flight window and the gap between batches of one client.
 */
export class Pace {
  readonly #opts: PaceOptions;
  #window: number;
  #gapMs = 0;
  /** When the window was last cut: answers to requests sent before then do not cut it again. */
  #cutAt = -Infinity;
  #backingOff = false;
  /** Whether this back-off was told (then its end is told too). */
  #announced = false;
  #caughtUpAt = -Infinity;

  constructor(opts: PaceOptions) {
    this.#opts = opts;
    this.#window = opts.maxInFlight;
  }

  /** Requests a client may have in flight now (at least 1). */
  get window(): number {
    return Math.max(1, Math.floor(this.#window));
  }

  /** How long to wait before sending the next batch, in ms. */
  get gapMs(): number {
    return this.#gapMs;
  }

  /** Whether the client is backing off. */
  get backingOff(): boolean {
    return this.#backingOff;
  }

  /** Reads one answer: overload cuts the window to one, a fast answer widens it. */
  observe(signal: PaceSignal): void {
    if (signal.gaveUp) {
      // The spool takes what follows until the server answers: writing to disk needs no gap.
      this.#gapMs = 0;
      return;
    }
    const slow = signal.latencyMs > (this.#opts.slowMs ?? 20_000);
    if (signal.overloaded || slow) {
      if (signal.startedAt < this.#cutAt) return; // sent before the last cut: already counted
      this.#cutAt = Date.now();
      this.#window = 1;
      this.#gapMs = Math.min(
        MAX_GAP_MS,
        Math.max(FIRST_GAP_MS, this.#gapMs * 2, Math.round(signal.latencyMs / 2)),
      );
      if (!this.#backingOff) {
        this.#backingOff = true;
        // A server that is busy again soon after it caught up: one episode, told once.
        this.#announced = Date.now() - this.#caughtUpAt > QUIET_MS;
        if (!this.#announced) return;
        const reason = signal.reason ??
          (signal.overloaded ? undefined : `an answer took ${Math.round(signal.latencyMs)} ms`);
        const why = reason ? ` (${reason.slice(0, 160)})` : "";
        this.#opts.notify(
          `the server is overloaded${why}: sending one batch at a time, ` +
            `${this.#gapMs} ms apart, and retrying; ${this.#opts.waiting()} record(s) wait`,
        );
      }
      return;
    }
    // An answer that is no overload shortens the gap: the window of one already bounds what this
    // client asks of the server, and idling between good answers only slows everyone's delivery.
    this.#gapMs = this.#gapMs < 2 * 20 ? 0 : Math.round(this.#gapMs / 2);
    // Slow but good: the server is busy; the window stays where it is.
    if (signal.latencyMs > (this.#opts.fastMs ?? 1000)) return;
    const max = this.#opts.maxInFlight;
    this.#window = Math.min(max, this.#window + 1 / this.#window);
    if (this.#backingOff && this.#gapMs === 0 && this.#window >= max) this.#caughtUp();
  }

  /** Told by the queue when nothing waits: a client backing off has caught up. */
  idle(): void {
    if (this.#backingOff) this.#caughtUp();
  }

  #caughtUp(): void {
    this.#backingOff = false;
    this.#caughtUpAt = Date.now();
    if (!this.#announced) return;
    this.#announced = false;
    this.#opts.notify(
      `caught up with the server: back to ${this.window} batch(es) in flight; ` +
        `${this.#opts.waiting()} record(s) wait`,
    );
  }
}
