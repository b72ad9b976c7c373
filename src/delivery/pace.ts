/**
 * Backing off as a group: how many batches a client keeps in flight and how
 * long it waits between them, from how the server answers.
 *
 * Two signs of load. An overload answer (or a batch answered slower than
 * `slowMs`) cuts the window to one request and at least doubles the gap
 * between batches (from 250 ms). And a queue: a batch answered slower than
 * the target (six times the fastest answer to a full-size batch, within
 * `minTargetMs`..`maxTargetMs`) waited behind other requests, so the client
 * asks less of the server: one request in flight instead of two, then a gap
 * that divides its rate by the square root of how far the answer overshot.
 * Answers near the target (over three quarters of it) add a fixed step to
 * its rate per second (additive increase, multiplicative decrease); faster
 * ones close the gap in proportion. With no gap left the back-off is over,
 * and an answer under half the target, or as fast as the fastest seen,
 * widens the window by `1/window`. Only batches' good answers time the
 * queue (not a refusal, a dropped connection or an artifact's upload), and
 * a pause in logging ends the back-off. Every client on a server sees the same queue, so many
 * processes converge on a short one however many they are, and keep the
 * server busy without queuing into its failure: MLflow's SQL store holds two
 * pool connections per `log-batch`, and with ~15 requests in one worker it
 * stalls for its 30 s pool timeout (32 processes at one request each did).
 *
 * One notice when backing off starts, one when the client has caught up (no
 * gap left, or nothing waits), each with how many
 * records wait; backing off again within a minute of catching up is the same
 * episode, not told again.
 *
 * @module
 */

/** An answer as the pace reads it (the transport's `LoadSignal`). */
export interface PaceSignal {
  /** The attempt met overload. */
  overloaded: boolean;
  /** When the attempt started (ms, on the pace's clock). */
  startedAt: number;
  /** How long it took, in ms. */
  latencyMs: number;
  /** The route asked (`runs/log-batch`); only batches' answers time the queue. */
  route?: string;
  /** A 2xx answer (default true): a refusal or a lost connection times nothing. */
  ok?: boolean;
  /** The size of the batch's body (characters). */
  bytes?: number;
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
  /**
   * The answer time (ms) below which a batch never counts as queued, however fast the server.
   * Default 250 (a server that answers in 10 ms is not slowed by a 30 ms answer).
   */
  minTargetMs?: number;
  /**
   * The answer time (ms) above which a batch always counts as queued. Default 800 (MLflow's SQL
   * store answers a 1,000-point batch in ~100-150 ms on 2 cores with no queue: about ten batches
   * at the server, short of the ~15 per worker that stall it). A far server whose batches take
   * longer than this with no queue at all is paced as a busy one.
   */
  maxTargetMs?: number;
  /**
   * An answer slower than this (ms) is overload too. Default 20 000: two thirds of MLflow's 30 s
   * database pool timeout (answers queued that long are about to time out).
   */
  slowMs?: number;
  /** The clock (ms). Default `Date.now`. */
  now?: () => number;
}

/** The route whose answers time the queue: the batches this pace spaces out. */
const BATCH_ROUTE = "runs/log-batch";
const FIRST_GAP_MS = 250;
const MAX_GAP_MS = 5_000;
/** Batches a second a client adds to its rate each second while answers are near the target. */
const RATE_STEP = 0.1;
/** A gap shorter than this is no gap. */
const MIN_GAP_MS = 20;
/** Backing off again within this long after catching up is not told again. */
const QUIET_MS = 60_000;

/**
 * The in-flight window and the gap between batches of one client.
 */
export class Pace {
  readonly #opts: PaceOptions;
  readonly #now: () => number;
  /** Starts at one: many processes starting at once do not open with twice the requests. */
  #window = 1;
  #gapMs = 0;
  /** The fastest answer to a full-size batch, in ms: the server's and the link's own time. */
  #baseMs = Infinity;
  /** The largest batch body seen: only batches at least half its size set the base. */
  #fullBytes = 0;
  /** When the pace last slowed: answers to requests sent before then do not slow it again. */
  #cutAt = -Infinity;
  #backingOff = false;
  /** Whether this back-off was told (then its end is told too). */
  #announced = false;
  #caughtUpAt = -Infinity;

  constructor(opts: PaceOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
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

  /** Reads one answer: overload or a queued answer slows the client, a fast one speeds it up. */
  observe(signal: PaceSignal): void {
    if (signal.gaveUp) {
      // The spool takes what follows until the server answers: writing to disk needs no gap.
      this.#gapMs = 0;
      return;
    }
    const batch = signal.route === undefined || signal.route === BATCH_ROUTE;
    // An artifact's upload may take minutes on an idle server: only batches time the queue.
    const slow = batch && signal.latencyMs > (this.#opts.slowMs ?? 20_000);
    if (signal.overloaded || slow) {
      if (!this.#cut(signal)) return;
      this.#window = 1;
      this.#gapMs = Math.min(MAX_GAP_MS, Math.max(FIRST_GAP_MS, this.#gapMs * 2));
      if (batch && this.#baseMs < Infinity) {
        // A batch that waited long for its overload answer: space batches out as far as it says.
        const overshoot = signal.latencyMs / this.#target();
        if (overshoot > 1) {
          this.#gapMs = Math.max(this.#gapMs, this.#resized(signal.latencyMs, overshoot));
        }
      }
      const reason = signal.reason ??
        (signal.overloaded ? undefined : `an answer took ${Math.round(signal.latencyMs)} ms`);
      this.#backOff(
        `the server is overloaded${reason ? ` (${reason.slice(0, 160)})` : ""}`,
        ", and retrying",
      );
      return;
    }
    // Only a batch's good answer times the queue; a clock that stepped back times nothing.
    if (!batch || signal.ok === false) return;
    if (!(signal.latencyMs >= 0 && Number.isFinite(signal.latencyMs))) return;
    const bytes = signal.bytes ?? 0;
    if (bytes > this.#fullBytes) {
      // A larger batch than any before: the smaller ones timed less work.
      if (bytes > 2 * this.#fullBytes) this.#baseMs = Infinity;
      this.#fullBytes = bytes;
    }
    if (bytes * 2 >= this.#fullBytes) this.#baseMs = Math.min(this.#baseMs, signal.latencyMs);
    const overshoot = signal.latencyMs / this.#target();
    if (overshoot > 1) {
      // Queued: ask less of the server, once per round trip.
      if (!this.#cut(signal)) return;
      if (this.#window >= 2) {
        this.#window = Math.max(1, this.#window / 2);
        return;
      }
      this.#gapMs = this.#resized(signal.latencyMs, overshoot);
      if (this.#gapMs > 0) {
        this.#backOff(
          `the server is busy (a batch took ${Math.round(signal.latencyMs)} ms to answer)`,
          "",
        );
      }
      return;
    }
    this.#gapMs = overshoot > 0.75
      ? this.#hastened(signal.latencyMs)
      : this.#resized(signal.latencyMs, overshoot);
    if (this.#gapMs > 0) return;
    // No wait between batches any more: the back-off is over.
    if (this.#backingOff) this.#caughtUp();
    // Two in flight while answers come in well under the target, or as fast as ever (a far
    // server's answers take long with no queue; a second batch in flight covers the wait).
    if (overshoot <= 0.5 || signal.latencyMs <= 1.25 * this.#baseMs) {
      this.#window = Math.min(this.#opts.maxInFlight, this.#window + 1 / this.#window);
    }
  }

  /**
   * Told by the queue when nothing waits: a client backing off has caught
   * up, and the next batch (after a pause in logging) goes at once.
   */
  idle(): void {
    this.#gapMs = 0;
    if (this.#backingOff) this.#caughtUp();
  }

  /**
   * The answer time a batch may take before it counts as queued: six times
   * the fastest full-size answer (a few batches queued ahead of it), within
   * `minTargetMs`..`maxTargetMs`. The same for every client of a server
   * once each has seen one answer with no queue; a client whose first
   * answers all queued (processes started at once) holds the ceiling.
   */
  #target(): number {
    const most = this.#opts.maxTargetMs ?? 800;
    return Math.max(this.#opts.minTargetMs ?? 250, Math.min(6 * this.#baseMs, most));
  }

  /**
   * The gap that scales this client's rate (one batch per answer and gap) by
   * `1 / sqrt(overshoot)`: half way, in log terms, to the rate that would
   * bring answers to the target, so many clients reacting at once do not
   * overshoot the other way.
   */
  #resized(latencyMs: number, overshoot: number): number {
    // Slower by the square root (many clients slow down at once), faster in full: a server
    // answering under the target has room, and idling beside it only delays everyone.
    const scale = overshoot > 1 ? Math.sqrt(overshoot) : overshoot;
    const gap = (latencyMs + this.#gapMs) * scale - latencyMs;
    return gap < MIN_GAP_MS ? 0 : Math.min(MAX_GAP_MS, Math.round(gap));
  }

  /**
   * The gap that adds {@linkcode RATE_STEP} batches a second, per second
   * since the last answer, to this client's rate: near the target, every
   * client speeds up by the same step (while slowing down scales each by the
   * same factor), so clients that started at different paces converge on an
   * even share (additive increase, multiplicative decrease).
   */
  #hastened(latencyMs: number): number {
    const cycle = latencyMs + this.#gapMs;
    // The step grows with the time since this client's last answer (about one cycle), so a client
    // answered rarely gains as much per second as one answered often.
    const rate = 1000 / cycle + RATE_STEP * cycle / 1000;
    const gap = 1000 / rate - latencyMs;
    return gap < MIN_GAP_MS ? 0 : Math.round(gap);
  }

  /** Whether an answer may slow the client: it was asked after the last slowing. */
  #cut(signal: PaceSignal): boolean {
    if (signal.startedAt < this.#cutAt) return false;
    this.#cutAt = this.#now();
    return true;
  }

  #backOff(why: string, retrying: string): void {
    if (this.#backingOff) return;
    this.#backingOff = true;
    // A server that is busy again soon after it caught up: one episode, told once.
    this.#announced = this.#now() - this.#caughtUpAt > QUIET_MS;
    if (!this.#announced) return;
    this.#opts.notify(
      `${why}: sending one batch at a time, ${this.#gapMs} ms apart${retrying}; ` +
        `${this.#opts.waiting()} record(s) wait`,
    );
  }

  #caughtUp(): void {
    this.#backingOff = false;
    this.#caughtUpAt = this.#now();
    if (!this.#announced) return;
    this.#announced = false;
    this.#opts.notify(
      `caught up with the server: back to ${this.window} batch(es) in flight; ` +
        `${this.#opts.waiting()} record(s) wait`,
    );
  }
}
