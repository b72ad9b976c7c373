/**
 * The tfjs shapes the adapter reads, by structural type only (no import of
 * tfjs), so your own copy of `@tensorflow/tfjs` or `tfjs-node` is the one used.
 *
 * @module
 */
/**
 * A tfjs tensor, as far as reading a scalar goes.
 *
 * @example
 * ```ts
 * import type { TensorLike } from "@oicm/tracking/tfjs";
 * const scalar: TensorLike = { data: () => Promise.resolve([0.5]) };
 * ```
 */
export interface TensorLike {
  /** Resolves to the tensor's values. */
  data(): Promise<ArrayLike<number>>;
}

/**
 * The logs tfjs passes to a hook: numbers (plain callbacks) or scalars (subclasses).
 *
 * @example
 * ```ts
 * import type { TfLogs } from "@oicm/tracking/tfjs";
 * const logs: TfLogs = { loss: 0.3, acc: 0.9 };
 * ```
 */
export type TfLogs = Record<string, number | TensorLike | undefined>;

/**
 * What `fit` gives a callback as `this.params`.
 *
 * @example
 * ```ts
 * import type { TfFitParams } from "@oicm/tracking/tfjs";
 * const params: TfFitParams = { epochs: 10, batchSize: 32, doValidation: true };
 * ```
 */
export interface TfFitParams {
  /** Epochs to train. */
  epochs?: number;
  /** The epoch to start from. */
  initialEpoch?: number | null;
  /** Training samples (null for datasets). */
  samples?: number | null;
  /** Batches per epoch, when known. */
  steps?: number | null;
  /** Batch size (null for datasets). */
  batchSize?: number | null;
  /** tfjs verbosity. */
  verbose?: number;
  /** Whether validation runs. */
  doValidation?: boolean;
  /** The log keys, validation ones included. */
  metrics?: string[];
}

/**
 * A tfjs `LayersModel`, as far as this adapter reads it.
 *
 * @example
 * ```ts
 * import type { TfModelLike } from "@oicm/tracking/tfjs";
 * const stop = (m: TfModelLike) => m.stopTraining = true;
 * ```
 */
export interface TfModelLike {
  /** Set to true to stop `fit` after the current epoch. */
  stopTraining?: boolean;
  /** The compiled optimizer. */
  optimizer?: { getClassName(): string; getConfig(): Record<string, unknown> };
  /** The compiled loss: a name, a function, or several. */
  loss?: unknown;
  /** Weights that train. */
  trainableWeights?: { shape: readonly (number | null)[] }[];
  /** All weights' count. */
  countParams?(): number;
  /** Prints the layer table through `printFn`. */
  summary?(lineLength?: number, positions?: number[], printFn?: (line: string) => void): void;
  /** Trains on tensors (parameters typed `never` so any tfjs model's `fit` fits). */
  fit(x: never, y: never, args?: never): Promise<unknown>;
  /** Trains on a dataset. */
  fitDataset?(dataset: never, args: never): Promise<unknown>;
  /** Saves through an IO handler (for `logModel`). */
  save?(handler: never, config?: never): Promise<unknown>;
}

/**
 * A plain tfjs callbacks object (the `CustomCallbackArgs` shape).
 *
 * @example
 * ```ts
 * import type { TfCallbacks } from "@oicm/tracking/tfjs";
 * const log: TfCallbacks = { onEpochEnd: (epoch) => console.log("epoch", epoch) };
 * ```
 */
export interface TfCallbacks {
  /** Called once before the first epoch. */
  onTrainBegin?(logs?: TfLogs): void | Promise<void>;
  /** Called once after the last epoch. */
  onTrainEnd?(logs?: TfLogs): void | Promise<void>;
  /** Called at the start of each epoch. */
  onEpochBegin?(epoch: number, logs?: TfLogs): void | Promise<void>;
  /** Called at the end of each epoch with its logs. */
  onEpochEnd?(epoch: number, logs?: TfLogs): void | Promise<void>;
  /** Called before each batch. */
  onBatchBegin?(batch: number, logs?: TfLogs): void | Promise<void>;
  /** Called after each batch with its logs. */
  onBatchEnd?(batch: number, logs?: TfLogs): void | Promise<void>;
  /** Called when tfjs yields to the event loop. */
  onYield?(epoch: number, batch: number, logs: TfLogs): void | Promise<void>;
}

/**
 * Keras-style early stopping done by the tracking callback itself.
 *
 * @example
 * ```ts
 * import type { EarlyStoppingOptions } from "@oicm/tracking/tfjs";
 * const es: EarlyStoppingOptions = { monitor: "val_loss", patience: 3, minDelta: 1e-4 };
 * ```
 */
export interface EarlyStoppingOptions {
  /** The log key to watch. Default `val_loss`. */
  monitor?: string;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  /** The least change that counts as improvement. Default 0. */
  minDelta?: number;
  /** Whether lower or higher is better; `auto` picks max for accuracy-like keys. */
  mode?: "min" | "max" | "auto";
}
