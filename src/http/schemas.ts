/**
 * zod schemas of what crosses the wire from the server, and the conversion of
 * MLflow's snake_case key/value shapes into this package's camelCase records.
 * Unknown fields are ignored, so newer servers stay readable.
 *
 * @module
 */
import { z } from "zod";
import { fromWireInput } from "../core/datasets.ts";
import type { Experiment, MetricPoint, RunInfo, RunRecord, RunStatus } from "../core/types.ts";

/** int64 fields arrive as numbers or, from protobuf JSON, as numeric strings. */
const int64 = z.union([z.number(), z.string().regex(/^-?\d+$/).transform(Number)]);

/** Metric values: numbers, or NaN and ±Infinity spelled as strings (or null). */
const metricValue = z.union([
  z.number(),
  z.null().transform(() => NaN),
  z.enum(["NaN", "Infinity", "-Infinity", "nan", "inf", "-inf"]).transform((s) =>
    s === "NaN" || s === "nan" ? NaN : s.startsWith("-") ? -Infinity : Infinity
  ),
]);

const keyValue = z.object({ key: z.string(), value: z.string().optional().default("") });

const experimentSchema = z.object({
  experiment_id: z.string(),
  name: z.string(),
  artifact_location: z.string().optional(),
  lifecycle_stage: z.enum(["active", "deleted"]).optional().default("active"),
  last_update_time: int64.optional(),
  creation_time: int64.optional(),
  tags: z.array(keyValue).optional().default([]),
});

const runInfoSchema = z.object({
  run_id: z.string().optional(),
  run_uuid: z.string().optional(),
  run_name: z.string().optional(),
  experiment_id: z.string(),
  status: z.enum(["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"]).optional()
    .default("RUNNING"),
  start_time: int64.optional(),
  end_time: int64.optional().nullable(),
  lifecycle_stage: z.enum(["active", "deleted"]).optional().default("active"),
  artifact_uri: z.string().optional(),
});

const metricSchema = z.object({
  key: z.string(),
  value: metricValue,
  timestamp: int64.optional().default(0),
  step: int64.optional().default(0),
});

const datasetInputSchema = z.object({
  tags: z.array(keyValue).optional().default([]),
  dataset: z.object({
    name: z.string(),
    digest: z.string().optional().default(""),
    source_type: z.string().optional().default(""),
    source: z.string().optional().default(""),
    schema: z.string().optional(),
    profile: z.string().optional(),
  }),
});

const runSchema = z.object({
  info: runInfoSchema,
  inputs: z.object({ dataset_inputs: z.array(datasetInputSchema).optional().default([]) })
    .optional(),
  data: z.object({
    metrics: z.array(metricSchema).optional().default([]),
    params: z.array(keyValue).optional().default([]),
    tags: z.array(keyValue).optional().default([]),
  }).optional().default({ metrics: [], params: [], tags: [] }),
});

/** Response schemas, by route. */
export const responses = {
  createExperiment: z.object({ experiment_id: z.string() }),
  getExperiment: z.object({ experiment: experimentSchema }),
  searchExperiments: z.object({
    experiments: z.array(experimentSchema).optional().default([]),
    next_page_token: z.string().optional(),
  }),
  run: z.object({ run: runSchema }),
  searchRuns: z.object({
    runs: z.array(runSchema).optional().default([]),
    next_page_token: z.string().optional(),
  }),
  metricHistory: z.object({
    metrics: z.array(metricSchema).optional().default([]),
    next_page_token: z.string().optional(),
  }),
  updateRun: z.object({ run_info: runInfoSchema.optional() }),
  empty: z.object({}),
};

/** An MLflow error body, when the answer has one. */
export const errorBody = z.object({
  error_code: z.string().optional(),
  message: z.string().optional(),
});

type WireExperiment = z.infer<typeof experimentSchema>;
type WireRunInfo = z.infer<typeof runInfoSchema>;
type WireRun = z.infer<typeof runSchema>;
type WireMetric = z.infer<typeof metricSchema>;

function record(pairs: readonly { key: string; value: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, value } of pairs) out[key] = value;
  return out;
}

/** MLflow's experiment into {@linkcode Experiment}. */
export function toExperiment(e: WireExperiment): Experiment {
  const out: Experiment = {
    experimentId: e.experiment_id,
    name: e.name,
    lifecycleStage: e.lifecycle_stage,
    tags: record(e.tags),
  };
  if (e.artifact_location !== undefined) out.artifactLocation = e.artifact_location;
  if (e.creation_time !== undefined) out.creationTime = e.creation_time;
  if (e.last_update_time !== undefined) out.lastUpdateTime = e.last_update_time;
  return out;
}

/** MLflow's run info into {@linkcode RunInfo}. */
export function toRunInfo(i: WireRunInfo, tags: Record<string, string> = {}): RunInfo {
  const out: RunInfo = {
    runId: i.run_id ?? i.run_uuid ?? "",
    runName: i.run_name ?? tags["mlflow.runName"] ?? "",
    experimentId: i.experiment_id,
    status: i.status as RunStatus,
    startTime: i.start_time ?? 0,
    lifecycleStage: i.lifecycle_stage,
  };
  if (i.end_time !== undefined && i.end_time !== null) out.endTime = i.end_time;
  if (i.artifact_uri !== undefined) out.artifactUri = i.artifact_uri;
  return out;
}

/** MLflow's run into {@linkcode RunRecord} (metrics keep the latest value per key). */
export function toRunRecord(r: WireRun): RunRecord {
  const tags = record(r.data.tags);
  const metrics: Record<string, number> = {};
  for (const m of r.data.metrics) metrics[m.key] = m.value;
  const out: RunRecord = {
    info: toRunInfo(r.info, tags),
    data: { metrics, params: record(r.data.params), tags },
  };
  if (r.inputs !== undefined) out.inputs = r.inputs.dataset_inputs.map(fromWireInput);
  return out;
}

/** MLflow's metric into {@linkcode MetricPoint}. */
export function toMetricPoint(m: WireMetric): MetricPoint {
  return { key: m.key, value: m.value, step: m.step, timestamp: m.timestamp };
}
