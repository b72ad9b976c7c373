/**
 * The queue of metric points waiting to be sent, kept in columns (typed
 * arrays) in fixed-size blocks: a queued point costs 24 bytes and a key
 * reference and makes no object, and the queue grows and shrinks a block at a
 * time, so a burst leaves no doubled arrays behind as garbage.
 *
 * @module
 */
import type { MetricRecord } from "../core/backend.ts";
import { Point } from "../core/point.ts";

const BLOCK_BITS = 12;
/** Points per block: 4096, i.e. 96 KB of numbers and 32 KB of key references. */
const BLOCK = 1 << BLOCK_BITS;

class Block {
  readonly keys: string[] = new Array(BLOCK);
  readonly values = new Float64Array(BLOCK);
  readonly steps = new Float64Array(BLOCK);
  readonly times = new Float64Array(BLOCK);
}

/** Queued metric points, oldest first. */
export class MetricRing {
  /** Oldest first; points run from `#head` in the first block to `#tail` in the last. */
  readonly #blocks: Block[] = [];
  #head = 0;
  #tail = BLOCK;
  #size = 0;
  /**
   * A block emptied by `shift`, kept for `push` to fill again (one: see
   * `SPILL_POINTS` in batcher.ts for why not a pool).
   */
  #spare: Block | undefined;

  /** Points queued. */
  get size(): number {
    return this.#size;
  }

  /** Appends a point. */
  push(key: string, value: number, step: number, timestamp: number): void {
    if (this.#tail === BLOCK) {
      this.#blocks.push(this.#spare ?? new Block());
      this.#spare = undefined;
      this.#tail = 0;
    }
    const b = this.#blocks[this.#blocks.length - 1];
    const i = this.#tail++;
    b.keys[i] = key;
    b.values[i] = value;
    b.steps[i] = step;
    b.times[i] = timestamp;
    this.#size++;
  }

  /** The key of the point `offset` places from the oldest. */
  keyAt(offset: number): string {
    const at = this.#head + offset;
    return this.#blocks[at >> BLOCK_BITS].keys[at & (BLOCK - 1)];
  }

  /** Removes the `n` oldest points (at most `size`) and returns them as records. */
  shift(n: number): MetricRecord[] {
    const out: MetricRecord[] = new Array(n);
    for (let j = 0; j < n; j++) {
      const b = this.#blocks[0];
      const i = this.#head++;
      out[j] = new Point(b.keys[i], b.values[i], b.steps[i], b.times[i]);
      if (this.#head === BLOCK) this.#dropFirst();
    }
    this.#afterShift(n);
    return out;
  }

  /**
   * Removes the `n` oldest points (at most `size`) into per-key
   * `[timestamp, value, step, ...]` triples: no object per point.
   */
  shiftTriples(n: number, into: Map<string, number[]>): void {
    for (let j = 0; j < n; j++) {
      const b = this.#blocks[0];
      const i = this.#head++;
      const key = b.keys[i];
      let fields = into.get(key);
      if (fields === undefined) into.set(key, fields = []);
      fields.push(b.times[i], b.values[i], b.steps[i]);
      if (this.#head === BLOCK) this.#dropFirst();
    }
    this.#afterShift(n);
  }

  #afterShift(n: number): void {
    this.#size -= n;
    if (this.#size === 0 && this.#blocks.length === 1) {
      // Empty: start the one block over instead of moving on to a new one.
      this.#head = 0;
      this.#tail = 0;
    }
  }

  #dropFirst(): void {
    const done = this.#blocks.shift();
    this.#spare ??= done;
    this.#head = 0;
    if (this.#blocks.length === 0) this.#tail = BLOCK;
  }
}
