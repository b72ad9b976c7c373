/**
 * The fake server's `runs/log-inputs`: datasets a run used, checked as
 * MLflow's server checks them and kept once per (name, digest): logging one
 * again changes nothing, as in MLflow's SQL store.
 *
 * @module
 */
import type { WireDatasetInput } from "../core/datasets.ts";
import { checkLength } from "./rules.ts";
import { invalid, type Json, list, str } from "./wire.ts";

/**
 * A dataset input as stored and answered in `run.inputs.dataset_inputs`
 * (MLflow's wire form: tags, and the dataset's name, digest, source type,
 * source, schema and profile).
 *
 * @example
 * ```ts
 * import type { StoredDatasetInput } from "@oicm/tracking/testing";
 * const name = (d: StoredDatasetInput) => d.dataset.name;
 * ```
 */
export type StoredDatasetInput = WireDatasetInput;

/** MLflow's limits on dataset fields. */
const LIMITS = { name: 500, digest: 36, sourceType: 36, source: 65535, schema: 1048575 };

/** Checks a `runs/log-inputs` body and adds its datasets to `inputs`. */
export function addInputs(inputs: StoredDatasetInput[], body: Json): void {
  const incoming = list(body, "datasets").map((d): StoredDatasetInput => {
    const ds = (d.dataset ?? {}) as Json;
    if (typeof ds !== "object") throw invalid("'dataset' must be an object");
    const dataset: StoredDatasetInput["dataset"] = {
      name: checkLength("Dataset name", str(ds, "name")!, LIMITS.name),
      digest: checkLength("Dataset digest", str(ds, "digest")!, LIMITS.digest),
      source_type: checkLength("Dataset source_type", str(ds, "source_type")!, LIMITS.sourceType),
      source: checkLength("Dataset source", str(ds, "source")!, LIMITS.source),
    };
    const schema = str(ds, "schema", false);
    if (schema !== undefined) dataset.schema = checkLength("Dataset schema", schema, LIMITS.schema);
    const profile = str(ds, "profile", false);
    if (profile !== undefined) dataset.profile = profile;
    const tags = list(d, "tags").map((t) => ({
      key: str(t, "key")!,
      value: String(t.value ?? ""),
    }));
    return { tags, dataset };
  });
  for (const input of incoming) {
    const known = inputs.some((i) =>
      i.dataset.name === input.dataset.name && i.dataset.digest === input.dataset.digest
    );
    if (!known) inputs.push(input);
  }
}
