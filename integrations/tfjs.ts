/**
 * TensorFlow.js: record `model.fit` / `model.fitDataset` as a run.
 *
 * ```ts ignore
 * import { autolog, trackingCallback } from "@oicm/tracking/tfjs";
 * await model.fit(xs, ys, { epochs: 10, callbacks: trackingCallback(client, { model }) });
 * autolog(client, { tf }); // or: every fit from here on, no other change
 * ```
 *
 * Depends on tfjs by structural types only (no import of it), so your own copy
 * of `@tensorflow/tfjs` or `tfjs-node` is the one used. The callback is a plain
 * callbacks object: tfjs cannot mix it with `tf.Callback` instances such as
 * `tf.callbacks.earlyStopping` in one array, so pass other plain callbacks as
 * `callbacks` and use the `earlyStopping` option instead (`autolog`, which has
 * the tfjs module, joins them for you).
 *
 * @module
 */
export { autolog, type AutologOptions, type TfModule } from "./tfjs/autolog.ts";
export {
  trackingCallback,
  type TrackingCallbackOptions,
  type TrackingCallbacks,
} from "./tfjs/callback.ts";
export { fitParams } from "./tfjs/params.ts";
export { fitDatasetWithTracking, fitWithTracking } from "./tfjs/fit.ts";
export {
  logTfModel,
  type TfModelArtifacts,
  type TfSavable,
  type TfSymbolic,
} from "./tfjs/model.ts";
export type {
  EarlyStoppingOptions,
  TensorLike,
  TfCallbacks,
  TfFitParams,
  TfLogs,
  TfModelLike,
} from "./tfjs/types.ts";
