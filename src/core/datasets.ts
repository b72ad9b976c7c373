/**
 * Datasets a run used, as MLflow records them (`runs/log-inputs`): checked,
 * with a default digest and source type, in MLflow's wire form.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { ValidationError } from "./errors.ts";
import { runContextTags } from "./run_context.ts";
import type { DatasetInput } from "./types.ts";

/** MLflow's tag for how a run used a dataset. */
export const DATASET_CONTEXT_TAG = "mlflow.data.context";

/** A dataset in MLflow's fields. */
export interface WireDataset {
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema?: string;
  profile?: string;
}

/** A dataset input in MLflow's wire form. */
export interface WireDatasetInput {
  tags: { key: string; value: string }[];
  dataset: WireDataset;
}

const asText = (v: string | Record<string, unknown> | undefined) =>
  v === undefined ? undefined : typeof v === "string" ? v : JSON.stringify(v);

/** Checks a dataset input and puts it in MLflow's wire form. */
export function toWireInput(input: DatasetInput): WireDatasetInput {
  if (input === null || typeof input !== "object") {
    throw new ValidationError("logInput takes { name, digest?, source?, schema?, context? }");
  }
  if (typeof input.name !== "string" || input.name.trim() === "") {
    throw new ValidationError("a dataset needs a name (a non-empty string)");
  }
  for (const field of ["digest", "source", "sourceType", "context"] as const) {
    if (input[field] !== undefined && typeof input[field] !== "string") {
      throw new ValidationError(`dataset '${input.name}': ${field} must be a string`);
    }
  }
  // As MLflow's CodeDatasetSource: a dataset made in code names the script that made it.
  const source = input.source ?? JSON.stringify({ tags: codeTags() });
  const schema = asText(input.schema);
  const digest = input.digest ??
    createHash("sha256").update(`${input.name}\0${source}\0${schema ?? ""}`).digest("hex").slice(
      0,
      8,
    );
  const dataset: WireDataset = {
    name: input.name,
    digest,
    source_type: input.sourceType ?? (input.source === undefined ? "code" : sourceTypeOf(source)),
    source,
  };
  if (schema !== undefined) dataset.schema = schema;
  const profile = asText(input.profile);
  if (profile !== undefined) dataset.profile = profile;
  const tags = input.context === undefined
    ? []
    : [{ key: DATASET_CONTEXT_TAG, value: input.context }];
  return { tags, dataset };
}

/** The source type MLflow would give a source URI (`s3`, `http`, `local`...). */
function sourceTypeOf(source: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(source)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === "file") return "local";
  if (scheme === "https") return "http";
  if (scheme === "s3a" || scheme === "s3n") return "s3";
  return scheme;
}

/** The run-context tags of a dataset made in code (`mlflow.source.name`, `mlflow.source.type`). */
function codeTags(): Record<string, string> {
  const tags = runContextTags();
  const out: Record<string, string> = {};
  for (const key of ["mlflow.source.name", "mlflow.source.type"]) {
    if (tags[key] !== undefined) out[key] = tags[key];
  }
  return out;
}

/** A wire dataset input read back into a {@linkcode DatasetInput}. */
export function fromWireInput(w: WireDatasetInput): DatasetInput {
  const out: DatasetInput = {
    name: w.dataset.name,
    digest: w.dataset.digest,
    source: w.dataset.source,
    sourceType: w.dataset.source_type,
  };
  if (w.dataset.schema) out.schema = w.dataset.schema;
  if (w.dataset.profile) out.profile = w.dataset.profile;
  const context = w.tags.find((t) => t.key === DATASET_CONTEXT_TAG)?.value;
  if (context !== undefined) out.context = context;
  return out;
}
