/**
 * A growable ring buffer of metric points kept in columns (typed arrays),
 * so queued points cost 24 bytes and a key reference each and make no object
 * per point: what waits in memory is small, and collects no garbage.
 *
 * @module
 */
import type { MetricRecord } from "./backend.ts";

const MIN_CAPACITY = 1024;

/** Queued metric points, oldest first. */
export class MetricRing {
  #keys: string[] = new Array(MIN_CAPACITY);
  #values = new Float64Array(MIN_CAPACITY);
  #steps = new Float64Array(MIN_CAPACITY);
  #times = new Float64Array(MIN_CAPACITY);
  #head = 0;
  #size = 0;

  /** Points queued. */
  get size(): number {
    return this.#size;
  }

  /** Appends a point. */
  push(key: string, value: number, step: number, timestamp: number): void {
    if (this.#size === this.#keys.length) this.#resize(this.#keys.length * 2);
    const i = (this.#head + this.#size) & (this.#keys.length - 1);
    this.#keys[i] = key;
    this.#values[i] = value;
    this.#steps[i] = step;
    this.#times[i] = timestamp;
    this.#size++;
  }

  /** The key of the point `offset` places from the oldest. */
  keyAt(offset: number): string {
    return this.#keys[(this.#head + offset) & (this.#keys.length - 1)];
  }

  /** Removes the `n` oldest points and returns them as records. */
  shift(n: number): MetricRecord[] {
    const out: MetricRecord[] = new Array(n);
    const mask = this.#keys.length - 1;
    for (let j = 0; j < n; j++) {
      const i = (this.#head + j) & mask;
      out[j] = {
        key: this.#keys[i],
        value: this.#values[i],
        step: this.#steps[i],
        timestamp: this.#times[i],
      };
    }
    this.#head = (this.#head + n) & mask;
    this.#size -= n;
    // Give memory back after a burst.
    const cap = this.#keys.length;
    if (cap > 65_536 && this.#size < cap / 8) this.#resize(cap / 2);
    return out;
  }

  #resize(capacity: number): void {
    const keys: string[] = new Array(capacity);
    const values = new Float64Array(capacity);
    const steps = new Float64Array(capacity);
    const times = new Float64Array(capacity);
    const mask = this.#keys.length - 1;
    for (let j = 0; j < this.#size; j++) {
      const i = (this.#head + j) & mask;
      keys[j] = this.#keys[i];
      values[j] = this.#values[i];
      steps[j] = this.#steps[i];
      times[j] = this.#times[i];
    }
    this.#keys = keys;
    this.#values = values;
    this.#steps = steps;
    this.#times = times;
    this.#head = 0;
  }
}
