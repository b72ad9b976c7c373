/**
 * The ids a store's folders are named by, checked before any file operation:
 * an id becomes a path (`<root>/<experiment>/<run>`), so an id the store could
 * not have made (`../outside`, `a/b`, `.trash`) is refused, never looked up.
 * The store makes experiment ids of digits (as MLflow's file store, whose
 * random ids are digits too) and run ids of 32 lowercase hex digits (a UUID
 * without dashes, as MLflow's `uuid4().hex`). MLflow's file store accepts a
 * wider form (`[A-Za-z0-9][\w-]*`) but makes only these.
 *
 * @module
 */
import { ValidationError } from "../core/errors.ts";

/** An experiment id this store (or MLflow's) makes: digits, `0` for Default. */
const EXPERIMENT_ID = /^\d{1,64}$/;
/** A run id this store (or MLflow's) makes: a UUID's 32 hex digits. */
const RUN_ID = /^[0-9a-f]{32}$/;

/** Shows an id in a message: quoted, cut short, control characters escaped. */
function shown(id: unknown): string {
  return typeof id === "string" ? JSON.stringify(id.slice(0, 100)) : String(id);
}

/** Checks an experiment id before it becomes a folder name; returns it. */
export function checkExperimentId(id: string): string {
  if (typeof id !== "string" || !EXPERIMENT_ID.test(id)) {
    throw new ValidationError(
      `experiment id ${
        shown(id)
      } is not one a local store makes (digits, such as "0" or "1"); nothing was read or written`,
      { code: "INVALID_PARAMETER_VALUE" },
    );
  }
  return id;
}

/** Checks a run id before it becomes a folder name; returns it. */
export function checkRunId(id: string): string {
  if (typeof id !== "string" || !RUN_ID.test(id)) {
    throw new ValidationError(
      `run id ${
        shown(id)
      } is not one a local store makes (32 lowercase hex digits); nothing was read or written`,
      { code: "INVALID_PARAMETER_VALUE" },
    );
  }
  return id;
}

/** A logged model id this store (or MLflow's) makes: `m-` and a UUID's 32 hex digits. */
const MODEL_ID = /^m-[0-9a-f]{32}$/;

/** Checks a logged model id before it becomes a folder name; returns it. */
export function checkModelId(id: string): string {
  if (typeof id !== "string" || !MODEL_ID.test(id)) {
    throw new ValidationError(
      `logged model id ${
        shown(id)
      } is not one a local store makes ('m-' and 32 lowercase hex digits); nothing was read or written`,
      { code: "INVALID_PARAMETER_VALUE" },
    );
  }
  return id;
}
