/**
 * The one rule that keeps a tag's later value: a tag is the only record whose
 * order matters (the last value wins), and a batch on its way (to a server, or
 * into the offline store) when later records of its run were written by a
 * spill is older than them. So each batch on its way is a {@linkcode Flight};
 * a spill marks the tags it writes as newer on every flight of its run; a
 * flight then writes (or spools, when it failed) only the tags no spill
 * overtook. The spool and the offline store both keep this rule.
 *
 * @module
 */
import type { KeyValue } from "../core/backend.ts";

/** A batch on its way: tags written for its run meanwhile are newer than its own. */
export interface Flight {
  /** Settles when the batch has landed or failed. */
  done: Promise<unknown>;
  /** Keys of tags a later write of the run holds. */
  readonly newerTags: Set<string>;
}

/**
 * The batches on their way, per run.
 *
 * @example
 * ```ts ignore
 * const flights = new TagFlights();
 * const flight = flights.start("run1");
 * flights.overtaken("run1", [{ key: "phase", value: "b" }]); // a spill wrote phase = b
 * flights.fresh(flight, [{ key: "phase", value: "a" }]); // [] : "a" is older
 * flights.end("run1", flight);
 * ```
 */
export class TagFlights {
  readonly #flights = new Map<string, Set<Flight>>();

  /** Registers a batch of `runId` that is leaving now. */
  start(runId: string): Flight {
    const flight: Flight = { done: Promise.resolve(), newerTags: new Set() };
    let flights = this.#flights.get(runId);
    if (flights === undefined) this.#flights.set(runId, flights = new Set());
    flights.add(flight);
    return flight;
  }

  /** Later tags of `runId` were written: every batch of it on its way holds older values. */
  overtaken(runId: string, tags: readonly KeyValue[]): void {
    if (tags.length === 0) return;
    for (const flight of this.#flights.get(runId) ?? []) {
      for (const tag of tags) flight.newerTags.add(tag.key);
    }
  }

  /** `tags` without those a later write of the run holds. */
  fresh(flight: Flight, tags: readonly KeyValue[]): KeyValue[] {
    return tags.filter((t) => !flight.newerTags.has(t.key));
  }

  /** The batch has landed or failed. */
  end(runId: string, flight: Flight): void {
    const flights = this.#flights.get(runId);
    flights?.delete(flight);
    if (flights?.size === 0) this.#flights.delete(runId);
  }

  /** Settles when every batch of `runId` now on its way has landed or failed. */
  async landed(runId: string): Promise<void> {
    await Promise.all([...this.#flights.get(runId) ?? []].map((f) => f.done));
  }
}
