/**
 * `fit` and `fitDataset` run with the tracking callback attached: a throw ends
 * the run FAILED, tagged with the error, and is rethrown.
 *
 * @module
 */
import { type TrackingClient, ValidationError } from "../../mod.ts";
import { trackingCallback, type TrackingCallbackOptions } from "./callback.ts";
import type { TfCallbacks, TfModelLike } from "./types.ts";

/** Whether a callback is a `tf.Callback` instance (not a plain callbacks object). */
export function isCallbackInstance(cb: unknown): boolean {
  return typeof cb === "object" && cb !== null &&
    typeof (cb as { setParams?: unknown }).setParams === "function";
}

/** The plain callbacks a call carries; `tf.Callback` instances cannot join ours (a ValidationError). */
export function splitCallbacks(args: Record<string, unknown>): TfCallbacks[] {
  const given = args.callbacks;
  const list = given === undefined ? [] : Array.isArray(given) ? given : [given];
  if (list.some(isCallbackInstance)) {
    throw new ValidationError(
      "tfjs cannot mix tf.Callback instances (such as tf.callbacks.earlyStopping) with the " +
        "tracking callback: pass plain callback objects, and use the earlyStopping option",
    );
  }
  return list as TfCallbacks[];
}

/**
 * Runs `model.fit(x, y, args)` with the tracking callback attached and the
 * model known; when training throws, the run ends FAILED (tagged with the
 * error) and the same error is rethrown.
 *
 * @example
 * ```ts ignore
 * import { fitWithTracking } from "@oicm/tracking/tfjs";
 * const history = await fitWithTracking(client, model, xs, ys, { epochs: 5 }, { runName: "dense" });
 * ```
 */
export async function fitWithTracking<H>(
  client: TrackingClient,
  model: Omit<TfModelLike, "fit"> & { fit(x: never, y: never, args?: never): Promise<H> },
  x: unknown,
  y: unknown,
  args: Record<string, unknown> = {},
  options: TrackingCallbackOptions = {},
): Promise<H> {
  return await trainTracked(
    client,
    model,
    args,
    options,
    (withCallbacks) => model.fit(x as never, y as never, withCallbacks as never),
  );
}

/**
 * `model.fitDataset(dataset, args)` with tracking, as {@linkcode fitWithTracking}.
 *
 * @example
 * ```ts ignore
 * import { fitDatasetWithTracking } from "@oicm/tracking/tfjs";
 * await fitDatasetWithTracking(client, model, dataset, { epochs: 3 });
 * ```
 */
export async function fitDatasetWithTracking<H>(
  client: TrackingClient,
  model: Omit<TfModelLike, "fitDataset"> & { fitDataset(dataset: never, args: never): Promise<H> },
  dataset: unknown,
  args: Record<string, unknown>,
  options: TrackingCallbackOptions = {},
): Promise<H> {
  return await trainTracked(
    client,
    model,
    args,
    options,
    (withCallbacks) => model.fitDataset(dataset as never, withCallbacks as never),
  );
}

/** Runs `train` with the tracking callback in its args; a throw ends the run FAILED and is rethrown. */
export async function trainTracked<H>(
  client: TrackingClient,
  model: Omit<TfModelLike, "fit" | "fitDataset">,
  args: Record<string, unknown>,
  options: TrackingCallbackOptions,
  train: (args: Record<string, unknown>) => Promise<H>,
): Promise<H> {
  const callbacks = trackingCallback(client, {
    ...options,
    model: model as TfModelLike,
    callbacks: [...(options.callbacks ?? []), ...splitCallbacks(args)],
  });
  try {
    return await train({ ...args, callbacks });
  } catch (err) {
    await callbacks.fail(err);
    throw err;
  }
}
