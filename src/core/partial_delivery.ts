/**
 * A refused record costs only itself. MLflow refuses a whole `log-batch` for
 * one param that the run already has with another value; this sends such a
 * batch again without the params that cannot go, so its metrics, tags and
 * other params still land, and names each refused param.
 *
 * @module
 */
import { type Backend, type Batch, BatchRefusal, type KeyValue } from "./backend.ts";
import { ParamConflictError, TrackingError, UnavailableError } from "./errors.ts";

/** Whether the server answered that it will not take this request as it is (a 400). */
function isBadRequest(err: unknown): err is TrackingError {
  return err instanceof TrackingError && !(err instanceof UnavailableError) && err.status === 400;
}

/**
 * Sends a batch, keeping what fits when part of it is refused. Resolves to
 * undefined when all of it was delivered, or to the refusal of the records
 * that were not (each named); rejects when the batch failed as a whole.
 */
export async function sendKeepingWhatFits(
  backend: Backend,
  batch: Batch,
): Promise<BatchRefusal | undefined> {
  try {
    await backend.logBatch(batch);
    return undefined;
  } catch (err) {
    if (err instanceof BatchRefusal) return err; // the store took the rest itself
    if (!isBadRequest(err) || batch.params.length === 0) throw err;
    return await withoutRefusedParams(backend, batch, err);
  }
}

async function withoutRefusedParams(
  backend: Backend,
  batch: Batch,
  refusal: TrackingError,
): Promise<BatchRefusal | undefined> {
  let existing: Record<string, string>;
  try {
    const run = await backend.getRun(batch.runId);
    // A deleted run refuses everything: that is the run's refusal, not its params'.
    if (run.info.lifecycleStage !== "active") throw refusal;
    existing = run.data.params;
  } catch {
    throw refusal;
  }
  const errors: TrackingError[] = [];
  const fresh: KeyValue[] = [];
  for (const param of batch.params) {
    const old = existing[param.key];
    if (old === undefined) fresh.push(param);
    else if (old !== param.value) {
      errors.push(new ParamConflictError(batch.runId, param.key, old, param.value));
    } // the same value is there already: nothing to send
  }
  try {
    if (fresh.length < batch.params.length) await backend.logBatch({ ...batch, params: fresh });
    else await oneByOne(backend, batch, errors);
  } catch (err) {
    if (!isBadRequest(err) || fresh.length === 0) throw err;
    await oneByOne(backend, { ...batch, params: fresh }, errors);
  }
  return errors.length === 0 ? undefined : new BatchRefusal(errors);
}

/** Sends the batch without params, then each param alone; refused params join `errors`. */
async function oneByOne(backend: Backend, batch: Batch, errors: TrackingError[]): Promise<void> {
  if (batch.metrics.length + batch.tags.length > 0) {
    await backend.logBatch({ ...batch, params: [] });
  }
  for (const param of batch.params) {
    try {
      await backend.logBatch({ runId: batch.runId, metrics: [], params: [param], tags: [] });
    } catch (err) {
      if (!isBadRequest(err)) throw err;
      errors.push(
        new TrackingError(`param '${param.key}': ${err.message}`, {
          code: err.code,
          status: err.status,
          route: err.route,
          cause: err,
        }),
      );
    }
  }
}
