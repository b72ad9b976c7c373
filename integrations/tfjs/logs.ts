/**
 * tfjs's epoch and batch logs as metrics: keys MLflow accepts (characters it
 * refuses become `_`), values read as numbers (tensors included), copied at
 * once because tfjs reuses its logs objects.
 *
 * @module
 */
import type { TensorLike, TfLogs } from "./types.ts";

/** A key MLflow accepts: characters it refuses become `_`. */
export function metricKey(key: string): string {
  return key.replace(/[^/\w.\- :]/g, "_").replace(/\/{2,}/g, "/").replace(/^\/|\/$/g, "") || "_";
}

/**
 * Copies logs (tfjs mutates them later) and reads tensors as numbers; stays
 * synchronous when every value is a number already (the plain-callback case).
 */
export function readLogs(
  logs: TfLogs | undefined,
  prefix = "",
): Record<string, number> | Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const tensors: [string, TensorLike][] = [];
  for (const [k, v] of Object.entries(logs ?? {})) {
    if (typeof v === "number") out[prefix + metricKey(k)] = v;
    else if (v && typeof (v as TensorLike).data === "function") {
      tensors.push([prefix + metricKey(k), v as TensorLike]);
    }
  }
  if (tensors.length === 0) return out;
  return Promise.all(tensors.map(async ([k, t]) => out[k] = (await t.data())[0])).then(() => out);
}
