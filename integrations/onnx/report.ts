/**
 * The evaluation report an evaluator keeps with its run (`eval/report.json`):
 * each epoch's metrics and, for classifiers, its confusion matrix. Every
 * evaluator on one run adds to the same report (`evaluateCheckpoints` makes one
 * per checkpoint), and each epoch stores the report anew.
 *
 * @module
 */
import type { Run } from "../../mod.ts";

/**
 * A confusion matrix: `matrix[target][predicted]` counts, with the class labels.
 *
 * @example
 * ```ts
 * import type { ConfusionMatrix } from "@oicm/tracking/onnx";
 * const cm: ConfusionMatrix = { labels: ["cat", "dog"], matrix: [[5, 1], [0, 6]] };
 * ```
 */
export interface ConfusionMatrix {
  /** The class of each row (the target) and column (the prediction). */
  labels: string[];
  /** `matrix[target][predicted]`: how many samples of class `target` were predicted `predicted`. */
  matrix: number[][];
}

/**
 * One evaluated epoch in the report.
 *
 * @example
 * ```ts
 * import type { EpochReport } from "@oicm/tracking/onnx";
 * const e: EpochReport = { epoch: 0, model: "e0.onnx", metrics: { accuracy: 0.9 } };
 * ```
 */
export interface EpochReport {
  /** The step its metrics were logged at. */
  epoch: number;
  /** The model evaluated: its file name, or `bytes`. */
  model: string;
  /** Every metric, unprefixed, latency and throughput included. */
  metrics: Record<string, number>;
  /** For classifiers: targets against predictions. */
  confusionMatrix?: ConfusionMatrix;
}

/**
 * The report as stored (`eval/report.json`).
 *
 * @example
 * ```ts
 * import type { EvaluationReport } from "@oicm/tracking/onnx";
 * const last = (r: EvaluationReport) => r.epochs.at(-1)?.metrics;
 * ```
 */
export interface EvaluationReport {
  /** The output evaluated. */
  output: string;
  /** The epochs evaluated, by epoch. */
  epochs: EpochReport[];
}

const reports = new WeakMap<Run, Map<string, EvaluationReport>>();

/** Adds an epoch to the run's report at `file` (replacing one with the same epoch) and returns it. */
export function addEpoch(
  run: Run,
  file: string,
  output: string,
  entry: EpochReport,
): EvaluationReport {
  let byFile = reports.get(run);
  if (byFile === undefined) reports.set(run, byFile = new Map());
  let report = byFile.get(file);
  if (report === undefined) byFile.set(file, report = { output, epochs: [] });
  report.epochs = report.epochs.filter((e) => e.epoch !== entry.epoch);
  report.epochs.push(entry);
  report.epochs.sort((a, b) => a.epoch - b.epoch);
  return report;
}

/** A confusion matrix from counts, labelled by `classNames` where given (else by index). */
export function confusionMatrix(
  counts: readonly number[][],
  classNames?: readonly string[],
): ConfusionMatrix | undefined {
  if (counts.length === 0) return undefined;
  const size = Math.max(counts.length, classNames?.length ?? 0);
  const matrix = Array.from(
    { length: size },
    (_, t) => Array.from({ length: size }, (_, p) => counts[t]?.[p] ?? 0),
  );
  const labels = Array.from({ length: size }, (_, i) => classNames?.[i] ?? String(i));
  return { labels, matrix };
}
