/**
 * `autolog(client, { tf })`: every `fit` and `fitDataset` of the tfjs module
 * given is recorded, with no other change to the script, as OICM's Python
 * client passes `autolog` through to MLflow for Keras.
 *
 * @module
 */
import { type TrackingClient, ValidationError } from "../../mod.ts";
import { isTrackingCallback, trackingCallback, type TrackingCallbackOptions } from "./callback.ts";
import { isCallbackInstance, trainTracked } from "./fit.ts";
import type { TfCallbacks, TfModelLike } from "./types.ts";

/**
 * The parts of a tfjs module `autolog` patches and uses, by structural type:
 * pass `import * as tf from "@tensorflow/tfjs"` (or `tfjs-node`).
 *
 * @example
 * ```ts
 * import type { TfModule } from "@oicm/tracking/tfjs";
 * const fake: TfModule = { LayersModel: { prototype: {} } };
 * ```
 */
export interface TfModule {
  /** `tf.LayersModel`, whose prototype's `fit` and `fitDataset` are wrapped. */
  LayersModel: { prototype: object };
  /**
   * `tf.Sequential`, wrapped too: its `fit` hands the call to an inner model, and the run is to
   * describe (and keep) the model the script built.
   */
  Sequential?: { prototype: object };
  /** `tf.CustomCallback`, to join our callback with `tf.Callback` instances a call carries. */
  CustomCallback?: new (args: never) => unknown;
}

/**
 * Options of {@linkcode autolog}: the tfjs module, and what
 * {@linkcode trackingCallback} takes for each call (but the model, which is
 * the one being trained).
 *
 * @example
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs";
 * const opts: AutologOptions = { tf, logModel: true, earlyStopping: { patience: 3 } };
 * ```
 */
export interface AutologOptions extends Omit<TrackingCallbackOptions, "model" | "callbacks"> {
  /** The tfjs module to patch. */
  tf: TfModule;
}

type Fit = (this: TfModelLike, x: unknown, y: unknown, args?: Record<string, unknown>) => unknown;
type FitDataset = (this: TfModelLike, dataset: unknown, args?: Record<string, unknown>) => unknown;

/** The undo of the patch on each prototype (a second autolog replaces the first). */
const patched = new WeakMap<object, () => void>();
/** Our callbacks wrapped as `tf.CustomCallback`s (an inner model's fit must not add another). */
const wrappedOurs = new WeakSet<object>();

/**
 * Records every `model.fit` and `model.fitDataset` of the tfjs module given
 * as a run (the active one, or one opened and ended around the call): fit
 * params, per-epoch metrics, early stopping and the model as an artifact when
 * asked, as {@linkcode trackingCallback} does. A call that already carries a
 * tracking callback is left alone. Returns a function that undoes the patch.
 *
 * @example
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs";
 * import { TrackingClient } from "@oicm/tracking";
 * import { autolog } from "@oicm/tracking/tfjs";
 *
 * const client = TrackingClient.fromEnv();
 * const undo = autolog(client, { tf, logModel: true });
 * await model.fit(xs, ys, { epochs: 10 }); // recorded
 * undo();
 * await client.close();
 * ```
 */
export function autolog(client: TrackingClient, options: AutologOptions): () => void {
  const { tf, ...callbackOptions } = options ?? ({} as AutologOptions);
  if (typeof (tf?.LayersModel?.prototype as { fit?: unknown } | undefined)?.fit !== "function") {
    throw new ValidationError(
      "autolog needs the tfjs module: autolog(client, { tf }) with import * as tf from " +
        '"@tensorflow/tfjs"',
    );
  }
  patched.get(tf.LayersModel.prototype)?.();

  /** Runs one training call with our callback in its args, unless it carries one already. */
  const tracked: Tracked = (model, args, train) => {
    const given = args?.callbacks;
    const list: unknown[] = given === undefined ? [] : Array.isArray(given) ? given : [given];
    const carries = (cb: unknown) =>
      isTrackingCallback(cb) || (typeof cb === "object" && cb !== null && wrappedOurs.has(cb));
    if (list.some(carries)) return train(args ?? {});
    const CustomCallback = tf.CustomCallback;
    if (list.some(isCallbackInstance) && CustomCallback !== undefined) {
      // tfjs takes an array of tf.Callback instances or of plain objects, not both: wrap ours.
      const ours = trackingCallback(client, { ...callbackOptions, model });
      const wrapped = new CustomCallback(ours as never) as object;
      wrappedOurs.add(wrapped);
      return (async () => {
        try {
          return await train({ ...args, callbacks: [wrapped, ...list] });
        } catch (err) {
          await ours.fail(err);
          throw err;
        }
      })();
    }
    return trainTracked(
      client,
      model,
      { ...args, callbacks: list as TfCallbacks[] },
      callbackOptions,
      (withCallbacks) => train(withCallbacks) as Promise<unknown>,
    );
  };

  const undos = [tf.LayersModel.prototype, tf.Sequential?.prototype]
    .filter((proto): proto is object => proto !== undefined)
    .map((proto) => patch(proto as Patchable, tracked));
  const undo = () => {
    for (const u of undos) u();
    if (patched.get(tf.LayersModel.prototype) === undo) patched.delete(tf.LayersModel.prototype);
  };
  patched.set(tf.LayersModel.prototype, undo);
  return undo;
}

type Patchable = { fit?: Fit; fitDataset?: FitDataset };
type Tracked = (
  model: TfModelLike,
  args: Record<string, unknown> | undefined,
  train: (args: Record<string, unknown>) => unknown,
) => unknown;

/** Wraps a prototype's own `fit` and `fitDataset`; returns the undo (which spares a later patch). */
function patch(proto: Patchable, tracked: Tracked): () => void {
  const own = (name: string) => Object.prototype.hasOwnProperty.call(proto, name);
  const fit = own("fit") ? proto.fit : undefined;
  const fitDataset = own("fitDataset") ? proto.fitDataset : undefined;
  let patchedFit: Fit | undefined;
  let patchedFitDataset: FitDataset | undefined;
  if (fit !== undefined) {
    patchedFit = function (x, y, args) {
      return tracked(this, args, (a) => fit.call(this, x, y, a));
    };
    proto.fit = patchedFit;
  }
  if (fitDataset !== undefined) {
    patchedFitDataset = function (dataset, args) {
      return tracked(this, args, (a) => fitDataset.call(this, dataset, a));
    };
    proto.fitDataset = patchedFitDataset;
  }
  return () => {
    if (patchedFit !== undefined && proto.fit === patchedFit) proto.fit = fit;
    if (patchedFitDataset !== undefined && proto.fitDataset === patchedFitDataset) {
      proto.fitDataset = fitDataset;
    }
  };
}
