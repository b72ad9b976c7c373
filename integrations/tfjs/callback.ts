/**
 * The tracking callback: a plain tfjs callbacks object that records `fit` as a
 * run (fit params, per-epoch metrics, early stopping, the model when asked).
 *
 * @module
 */
import {
  errorTags,
  type Run,
  type TagsInput,
  type TrackingClient,
  ValidationError,
} from "../../mod.ts";
import { readLogs } from "./logs.ts";
import { saveModel, type TfSavable } from "./model.ts";
import { fitParams, modelSummary } from "./params.ts";
import type {
  EarlyStoppingOptions,
  TfCallbacks,
  TfFitParams,
  TfLogs,
  TfModelLike,
} from "./types.ts";

/** The callbacks objects {@linkcode trackingCallback} made (autolog leaves a call carrying one alone). */
const made = new WeakSet<object>();

/** Whether `cb` is a callbacks object {@linkcode trackingCallback} made. */
export function isTrackingCallback(cb: unknown): boolean {
  return typeof cb === "object" && cb !== null && made.has(cb);
}

/**
 * Options of {@linkcode trackingCallback}.
 *
 * @example
 * ```ts
 * import type { TrackingCallbackOptions } from "@oicm/tracking/tfjs";
 * const opts: TrackingCallbackOptions = { runName: "mnist-dense", logEveryNBatches: 10 };
 * ```
 */
export interface TrackingCallbackOptions {
  /** The model being trained: enables optimizer, loss, parameter count and summary logging. */
  model?: TfModelLike;
  /** Name of the run the callback opens (when no run is active). */
  runName?: string;
  /** Experiment (by name) of the run the callback opens. */
  experiment?: string;
  /** Tags of the run the callback opens. */
  tags?: TagsInput;
  /** Log batch logs every N batches as `batch/<key>` (step = global batch index). Off by default. */
  logEveryNBatches?: number;
  /** Stop training when a monitored log stops improving (needs `model`). */
  earlyStopping?: EarlyStoppingOptions;
  /** Other plain callbacks to call after ours, in order. */
  callbacks?: TfCallbacks[];
  /** Sample system metrics while the run the callback opens is open. */
  logSystemMetrics?: boolean;
  /**
   * Save the trained model in the run's artifacts at the end of `fit` (needs `model`):
   * `model/model.json` and `model/weights.bin`, which `tf.loadLayersModel` reads back;
   * `{ artifactPath }` names another folder. Off by default.
   */
  logModel?: boolean | { artifactPath?: string };
}

/**
 * The callbacks object {@linkcode trackingCallback} returns: pass it to
 * `fit` as `callbacks`.
 *
 * @example
 * ```ts ignore
 * const callbacks: TrackingCallbacks = trackingCallback(client, { model });
 * await model.fit(xs, ys, { epochs: 5, callbacks });
 * console.log(callbacks.run?.runId);
 * ```
 */
export interface TrackingCallbacks extends TfCallbacks {
  /** The run being logged to, once training has begun. */
  readonly run: Run | undefined;
  /** Records a failed `fit` (tags the error, ends a run the callback opened as FAILED). */
  fail(error: unknown): Promise<void>;
}

type HookThis = { params?: TfFitParams } | undefined;

/**
 * A tfjs callbacks object that records training as a run: on train begin it
 * uses the active run, or opens one (and ends it at train end); it logs the
 * fit params (and, given `model`, the optimizer and its config, the loss, the
 * parameter counts and the model summary); each epoch it logs every log key
 * with `step = epoch`; `stopped_epoch` when training stopped early. Hooks
 * never wait on the network and never throw into tfjs.
 *
 * @example
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs";
 * import { TrackingClient } from "@oicm/tracking";
 * import { trackingCallback } from "@oicm/tracking/tfjs";
 *
 * const client = TrackingClient.fromEnv();
 * await model.fit(xs, ys, {
 *   epochs: 20,
 *   validationSplit: 0.2,
 *   callbacks: trackingCallback(client, { model, earlyStopping: { patience: 3 } }),
 * });
 * await client.close();
 * ```
 */
export function trackingCallback(
  client: TrackingClient,
  options: TrackingCallbackOptions = {},
): TrackingCallbacks {
  const { model, earlyStopping, logEveryNBatches = 0 } = options;
  if (earlyStopping && !model) {
    throw new ValidationError(
      "earlyStopping needs the model: trackingCallback(client, { model, earlyStopping })",
    );
  }
  if (options.logModel && typeof model?.save !== "function") {
    throw new ValidationError(
      "logModel needs the model: trackingCallback(client, { model, logModel: true })",
    );
  }
  const modelPath = typeof options.logModel === "object"
    ? options.logModel.artifactPath ?? "model"
    : "model";
  const chained = options.callbacks ?? [];
  let run: Run | undefined;
  let own = false;
  let planned = 0;
  let lastEpoch = -1;
  let globalBatch = 0;
  let best = NaN;
  let wait = 0;
  let stoppedByUs = -1;
  const guard = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      client.notice(`tfjs: ${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const callChained = async (hook: keyof TfCallbacks, self: HookThis, args: unknown[]) => {
    for (const cb of chained) {
      const fn = cb[hook] as ((...a: unknown[]) => unknown) | undefined;
      if (fn) await fn.apply(self ?? cb, args);
    }
  };
  const monitorMode = () => {
    const mode = earlyStopping?.mode ?? "auto";
    const monitor = earlyStopping?.monitor ?? "val_loss";
    return mode === "auto" ? (/acc|auc|precision|recall|f1/i.test(monitor) ? "max" : "min") : mode;
  };

  const callbacks: TrackingCallbacks = {
    get run() {
      return run;
    },
    async onTrainBegin(this: HookThis, logs?: TfLogs) {
      const params = this?.params ?? {};
      planned = params.epochs ?? 0;
      lastEpoch = (params.initialEpoch ?? 0) - 1;
      globalBatch = 0;
      best = NaN;
      wait = 0;
      stoppedByUs = -1;
      guard("opening the run", () => {
        run = client.activeRun();
        own = run === undefined;
        run ??= client.openRun({
          runName: options.runName,
          experimentName: options.experiment,
          tags: options.tags,
          logSystemMetrics: options.logSystemMetrics,
        });
      });
      guard("logging fit params", () => run?.logParams(fitParams(params, model)));
      const summary = model && modelSummary(model);
      if (summary) guard("logging the model summary", () => run?.setTag("model_summary", summary));
      await callChained("onTrainBegin", this, [logs]);
    },
    async onEpochEnd(this: HookThis, epoch: number, logs?: TfLogs) {
      lastEpoch = epoch;
      const read = readLogs(logs);
      const values = read instanceof Promise ? await read : read;
      guard("logging epoch metrics", () => run?.logMetrics(values, { step: epoch }));
      if (earlyStopping && model) {
        const current = values[earlyStopping.monitor ?? "val_loss"];
        if (current === undefined) {
          client.notice(
            `tfjs: earlyStopping: no '${earlyStopping.monitor ?? "val_loss"}' in the epoch logs`,
          );
        } else {
          const delta = earlyStopping.minDelta ?? 0;
          const better = Number.isNaN(best) ||
            (monitorMode() === "min" ? current < best - delta : current > best + delta);
          if (better) {
            best = current;
            wait = 0;
          } else if (++wait > (earlyStopping.patience ?? 0)) {
            model.stopTraining = true;
            stoppedByUs = epoch;
          }
        }
      }
      await callChained("onEpochEnd", this, [epoch, logs]);
    },
    async onTrainEnd(this: HookThis, logs?: TfLogs) {
      if (stoppedByUs >= 0 || (planned > 0 && lastEpoch + 1 < planned)) {
        const stopped = stoppedByUs >= 0 ? stoppedByUs : lastEpoch;
        guard(
          "logging stopped_epoch",
          () => run?.logMetric("stopped_epoch", stopped, { step: stopped }),
        );
      }
      if (options.logModel && model && run) {
        // The files are handed over now; the run's end (and flush, close) waits for the upload.
        await saveModel(run, model as TfSavable, modelPath).catch((err) =>
          client.notice(
            `tfjs: saving the model: ${err instanceof Error ? err.message : String(err)}`,
          )
        );
      }
      if (own && run) void run.endDetached("FINISHED");
      own = false;
      await callChained("onTrainEnd", this, [logs]);
    },
    async fail(error: unknown) {
      const tags = errorTags(error, (t) => client.redactSecrets(t));
      if (run === undefined) {
        // fit threw before training began: record the failed attempt all the same.
        run = client.openRun({
          runName: options.runName,
          experimentName: options.experiment,
          tags: options.tags,
          nested: true,
        });
        own = true;
      }
      if (!run.ended) guard("tagging the failure", () => run?.setTags(tags));
      if (own && run) await run.endDetached("FAILED");
      own = false;
    },
  };
  if (logEveryNBatches > 0 || chained.some((cb) => cb.onBatchEnd)) {
    // Only then: tfjs awaits every batch hook, which costs time on small batches.
    callbacks.onBatchEnd = async function (this: HookThis, batch: number, logs?: TfLogs) {
      const step = globalBatch++;
      if (logEveryNBatches > 0 && step % logEveryNBatches === 0) {
        const values = await readLogs(logs, "batch/");
        delete values["batch/batch"];
        delete values["batch/size"];
        guard("logging batch metrics", () => run?.logMetrics(values, { step }));
      }
      await callChained("onBatchEnd", this, [batch, logs]);
    };
  }
  for (const hook of ["onEpochBegin", "onBatchBegin", "onYield"] as const) {
    if (chained.some((cb) => cb[hook])) {
      (callbacks as TfCallbacks)[hook] = async function (this: HookThis, ...args: unknown[]) {
        await callChained(hook, this, args);
      } as never;
    }
  }
  made.add(callbacks);
  return callbacks;
}
