/**
 * The offline store as the client's backend, keeping a tag's later value
 * when the queue spills past `maxQueue` while a flush is under way: the spill
 * writes at once (synchronously), the flushed batch lands later, and without
 * this an older tag value in that batch would overwrite the spilled newer one.
 * The same rule as the spool's ({@linkcode TagFlights}): a flushed batch
 * writes only the tags no spill overtook.
 *
 * @module
 */
import { type Backend, type Batch, BatchRefusal, type SpillBatch } from "../core/backend.ts";
import { NotFoundError } from "../core/errors.ts";
import type { FileBackend } from "../store/file_backend.ts";
import { recordsOf } from "../store/metric_lines.ts";
import { TagFlights } from "./tag_flights.ts";

/** The offline store's backend and spill, sharing one {@linkcode TagFlights}. */
export interface OrderedStore {
  /** The store, whose `logBatch` writes only the tags no spill overtook meanwhile. */
  backend: Backend;
  /** Writes a batch over `maxQueue` (synchronously when the run's folder is known). */
  spill: (batch: SpillBatch) => void | Promise<void>;
}

/**
 * Wraps an offline store so that flushed batches and spills keep a tag's later value.
 *
 * @example
 * ```ts ignore
 * const { backend, spill } = orderedStore(new FileBackend("./mlruns"));
 * ```
 */
export function orderedStore(store: FileBackend): OrderedStore {
  const flights = new TagFlights();
  const logBatch = async (batch: Batch): Promise<void> => {
    if (batch.tags.length === 0) return await store.logBatch(batch);
    const flight = flights.start(batch.runId);
    try {
      let refusal: BatchRefusal | undefined;
      try {
        await store.logBatch({ ...batch, tags: [] });
      } catch (err) {
        if (!(err instanceof BatchRefusal)) throw err;
        refusal = err; // the rest was stored: the tags go too
      }
      // Synchronously from the check on: no spill can come between it and the write.
      const tags = flights.fresh(flight, batch.tags);
      const rest = { runId: batch.runId, params: [], tags };
      if (tags.length > 0) {
        try {
          store.logBatchSync({ ...rest, metrics: new Map(), points: 0 });
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
          await store.logBatch({ ...rest, metrics: [] });
        }
      }
      if (refusal !== undefined) throw refusal;
    } finally {
      flights.end(batch.runId, flight);
    }
  };
  const backend = new Proxy(store, {
    get: (target, key, receiver) =>
      key === "logBatch" ? logBatch : Reflect.get(target, key, receiver),
  });
  return {
    backend,
    spill: (batch) => {
      flights.overtaken(batch.runId, batch.tags); // batches on their way hold older values
      try {
        store.logBatchSync(batch);
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
        return store.logBatch({ ...batch, metrics: recordsOf(batch.metrics) });
      }
    },
  };
}
