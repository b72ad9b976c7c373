/**
 * Writing a batch into a run's folder: params created whole and only once
 * (atomically across processes), tags replaced by rename, metric lines
 * appended with one write per key; what the layout cannot take is refused,
 * named, and the rest written.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BatchRefusal, type SpillBatch } from "../core/backend.ts";
import { ParamConflictError, type TrackingError, ValidationError } from "../core/errors.ts";
import {
  appendSync,
  createExclusiveSync,
  KeyFiles,
  keyPath,
  writeAtomicSync,
} from "../core/file_io.ts";
import { formatMetricLinesInto } from "./metric_lines.ts";

/**
 * Writes what a batch holds that the layout can take, and throws a
 * {@linkcode BatchRefusal} naming the rest: a param the run has with
 * another value (params are created whole and only once, atomically across
 * processes), a key the file layout cannot hold beside another (`a` and
 * `a/b`). Every other record is written.
 */
export function writeBatch(dir: string, batch: SpillBatch): void {
  const refused: TrackingError[] = [];
  let refusedRecords = 0;
  const refuse = (error: TrackingError, records = 1) => {
    refused.push(error);
    refusedRecords += records;
  };
  const params = new KeyFiles(join(dir, "params"));
  for (const { key, value } of batch.params) {
    const conflict = params.conflict(key);
    if (conflict !== undefined) {
      refuse(
        new ValidationError(`param '${key}': ${conflict}`, { code: "INVALID_PARAMETER_VALUE" }),
      );
      continue;
    }
    const path = params.place(key);
    if (createExclusiveSync(path, value)) continue;
    const old = readFileSync(path, "utf8");
    if (old !== value) refuse(new ParamConflictError(batch.runId, key, old, value));
  }
  const tags = new KeyFiles(join(dir, "tags"));
  for (const { key, value } of batch.tags) {
    const conflict = tags.conflict(key);
    if (conflict === undefined) writeAtomicSync(tags.place(key), value);
    else {refuse(
        new ValidationError(`tag '${key}': ${conflict}`, { code: "INVALID_PARAMETER_VALUE" }),
      );}
  }
  const metrics = new KeyFiles(join(dir, "metrics"));
  let fitting = batch.metrics;
  for (const [key, fields] of batch.metrics) {
    const conflict = metrics.conflict(key);
    if (conflict === undefined) {
      metrics.place(key);
      continue;
    }
    refuse(
      new ValidationError(`metric '${key}': ${conflict}`, { code: "INVALID_PARAMETER_VALUE" }),
      fields.length / 3,
    );
    if (fitting === batch.metrics) fitting = new Map(batch.metrics);
    fitting.delete(key);
  }
  formatMetricLinesInto(fitting, (key, lines) => {
    appendSync(keyPath(join(dir, "metrics"), key), lines); // one write: whole lines or nothing
  });
  if (refused.length > 0) throw new BatchRefusal(refused, refusedRecords);
}
