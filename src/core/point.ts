/**
 * The one way this package makes a metric point object in bulk.
 *
 * A class, not an object literal: V8 tracks the objects each literal site
 * makes, and once enough of a site's objects outlive a young collection (a
 * batch waiting for the server does) it allocates all of that site's later
 * objects straight in the old space. At millions of points that old space
 * then grows by megabytes a second until a full collection. Objects made by
 * `new` are not pretenured that way, so they die young like the garbage they
 * are.
 *
 * @module
 */
import type { MetricPoint } from "./types.ts";

/** A metric point (key, value, step, timestamp in ms). */
export class Point implements MetricPoint {
  /** A point; the arguments are trusted (validated or read from our own files). */
  constructor(
    public key: string,
    public value: number,
    public step: number,
    public timestamp: number,
  ) {}
}
