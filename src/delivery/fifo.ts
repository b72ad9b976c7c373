/**
 * A first-in first-out queue with O(1) amortised push and take: params and
 * tags wait in one per run, and a million of them must not cost a quadratic
 * `splice(0, n)` per batch.
 *
 * @module
 */

/** Items oldest first; taking from the front moves an index, not the items. */
export class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  /** How many items wait. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Appends an item. */
  push(item: T): void {
    this.#items.push(item);
  }

  /** The item `offset` places from the oldest. */
  at(offset: number): T {
    return this.#items[this.#head + offset];
  }

  /** Removes and returns the `n` oldest items (at most `length`). */
  take(n: number): T[] {
    const end = this.#head + Math.min(n, this.length);
    const out = this.#items.slice(this.#head, end);
    this.#head = end;
    if (this.#head === this.#items.length) this.clear();
    else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      // Drop the taken front once it is most of the array: copying is then linear overall.
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }

  /** Removes and returns every item. */
  takeAll(): T[] {
    return this.take(this.length);
  }

  /** Keeps only the items `keep` accepts (in order); returns those removed. */
  filter(keep: (item: T) => boolean): T[] {
    const kept: T[] = [];
    const removed: T[] = [];
    for (let i = this.#head; i < this.#items.length; i++) {
      const item = this.#items[i];
      (keep(item) ? kept : removed).push(item);
    }
    this.#items = kept;
    this.#head = 0;
    return removed;
  }

  /** Empties the queue. */
  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}
