/**
 * Datasets a run used, as MLflow's file store keeps them: the dataset once per
 * experiment (`<exp>/datasets/<md5(name, digest)>/meta.yaml`), the input once
 * per run (`<run>/inputs/<md5(dataset id, run id)>/meta.yaml`).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fromWireInput, toWireInput } from "../core/datasets.ts";
import { createExclusiveSync } from "../core/file_io.ts";
import { makeFolders } from "../core/file_modes.ts";
import type { DatasetInput } from "../core/types.ts";
import { readMeta, writeMeta } from "./meta_yaml.ts";

/** The folder of an experiment that holds the datasets its runs used (no run). */
export const DATASETS = "datasets";
const INPUTS = "inputs";

/**
 * Records datasets as MLflow's file store does: the dataset once per experiment
 * (`<exp>/datasets/<md5(name, digest)>/meta.yaml`), the input once per run
 * (`<run>/inputs/<md5(dataset id, run id)>/meta.yaml`).
 */
export function writeInputs(dir: string, runId: string, inputs: readonly DatasetInput[]): void {
  const expDir = join(dir, "..");
  const md5 = (...parts: string[]) => {
    const h = createHash("md5");
    for (const p of parts) h.update(p, "utf8");
    return h.digest("hex");
  };
  for (const { dataset, tags } of inputs.map(toWireInput)) {
    const datasetId = md5(dataset.name, dataset.digest);
    const datasetDir = join(expDir, DATASETS, datasetId);
    makeFolders(datasetDir);
    createExclusiveSync(join(datasetDir, "meta.yaml"), writeMeta({ ...dataset }));
    const inputDir = join(dir, INPUTS, md5(datasetId, runId));
    makeFolders(inputDir);
    createExclusiveSync(
      join(inputDir, "meta.yaml"),
      writeMeta({
        // MLflow's file store writes the dataset's id as destination_id too: kept, so it reads.
        destination_id: datasetId,
        destination_type: "RUN",
        source_id: datasetId,
        source_type: "DATASET",
        tags: Object.fromEntries(tags.map((t) => [t.key, t.value])),
      }),
    );
  }
}

/** The datasets a run recorded, read from its `inputs/` and its experiment's `datasets/`. */
export async function readInputs(dir: string): Promise<DatasetInput[]> {
  const out: DatasetInput[] = [];
  let ids: string[];
  try {
    ids = await readdir(join(dir, INPUTS));
  } catch {
    return out;
  }
  for (const id of ids.sort()) {
    try {
      const input = readMeta(await readFile(join(dir, INPUTS, id, "meta.yaml"), "utf8"));
      if (input.source_type !== "DATASET") continue;
      const dataset = readMeta(
        await readFile(join(dir, "..", DATASETS, String(input.source_id), "meta.yaml"), "utf8"),
      );
      const tags = (input.tags ?? {}) as Record<string, string>;
      out.push(fromWireInput({
        tags: Object.entries(tags).map(([key, value]) => ({ key, value: String(value) })),
        dataset: {
          name: String(dataset.name),
          digest: String(dataset.digest ?? ""),
          source_type: String(dataset.source_type ?? ""),
          source: String(dataset.source ?? ""),
          ...(typeof dataset.schema === "string" ? { schema: dataset.schema } : {}),
          ...(typeof dataset.profile === "string" ? { profile: dataset.profile } : {}),
        },
      }));
    } catch { /* an input folder being written, or not ours: skipped */ }
  }
  return out;
}
