/**
 * A promise that knows whether its caller looked at it. An upload's failure
 * goes to whoever awaits (or `.catch`es) the promise; when nobody did, the
 * run's end and `flush()` report it instead, so a failure is reported once
 * and never lost.
 *
 * @module
 */

/** A promise that records whether `then`, `catch`, `finally` or `await` reached it. */
export class WatchedPromise<T> extends Promise<T> {
  /** Derived promises (`then`'s result) are plain ones. */
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  #observed = false;

  /** Follows `promise`. */
  static follow<T>(promise: Promise<T>): WatchedPromise<T> {
    const watched = new WatchedPromise<T>((resolve, reject) => promise.then(resolve, reject));
    // Handled, though not observed: a failure nobody awaits is reported elsewhere, not unhandled.
    Promise.prototype.then.call(watched, undefined, () => {});
    return watched;
  }

  /** Whether a caller has attached to it (true a microtask after an `await`). */
  get observed(): boolean {
    return this.#observed;
  }

  override then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.#observed = true;
    return super.then(onFulfilled, onRejected);
  }
}
