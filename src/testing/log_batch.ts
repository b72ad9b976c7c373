/**
 * The fake server's `runs/log-batch`, as MLflow's server takes it: the
 * batch's limits, every key and value checked before anything is written,
 * params immutable, ±Infinity kept as ±MAX_VALUE (as MLflow's SQL store), the
 * latest point per key by step then timestamp.
 *
 * @module
 */
import { checkKey, checkLength, MLFLOW_LIMITS as LIMITS } from "./rules.ts";
import type { StoredRun } from "./stored.ts";
import { int, invalid, type Json, list, metricValue } from "./wire.ts";

/** Checks a `runs/log-batch` body whole, then writes it into `run`. */
export function applyBatch(run: StoredRun, body: Json): void {
  const metrics = list(body, "metrics");
  const params = list(body, "params");
  const tags = list(body, "tags");
  if (metrics.length > LIMITS.metricsPerBatch) {
    throw invalid(
      `A batch logging request can contain at most 1000 metrics. Got ${metrics.length}`,
    );
  }
  if (params.length > LIMITS.paramsPerBatch) {
    throw invalid(`A batch logging request can contain at most 100 params. Got ${params.length}`);
  }
  if (tags.length > LIMITS.tagsPerBatch) {
    throw invalid(`A batch logging request can contain at most 100 tags. Got ${tags.length}`);
  }
  const total = metrics.length + params.length + tags.length;
  if (total > LIMITS.entitiesPerBatch) {
    throw invalid(
      `A batch logging request can contain at most 1000 total entities. Got ${total}`,
    );
  }
  // Validate everything before writing anything, as MLflow does.
  const points = metrics.map((m) => {
    const key = checkKey("metric", m.key);
    return {
      key,
      // MLflow's SQL store keeps ±Infinity as ±Number.MAX_VALUE (SQL has no infinity).
      value: Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, metricValue(m.value, key))),
      timestamp: int(m, "timestamp") ?? 0,
      step: int(m, "step") ?? 0,
    };
  });
  const newParams = new Map<string, string>();
  for (const p of params) {
    const key = checkKey("param", p.key);
    const value = checkLength(
      `Param value for '${key}'`,
      String(p.value ?? ""),
      LIMITS.paramValue,
    );
    const old = run.params.get(key) ?? newParams.get(key);
    if (old !== undefined && old !== value) {
      throw invalid(
        `Changing param values is not allowed. Param with key='${key}' was already logged ` +
          `with value='${old}' for run ID='${run.info.run_id}'. Attempted logging new value '${value}'.`,
      );
    }
    newParams.set(key, value);
  }
  const newTags = tags.map((t) => {
    const key = checkKey("tag", t.key);
    const value = checkLength(`Tag value for '${key}'`, String(t.value ?? ""), LIMITS.tagValue);
    return [key, value] as const;
  });
  for (const [k, v] of newParams) run.params.set(k, v);
  for (const [k, v] of newTags) {
    run.tags.set(k, v);
    if (k === "mlflow.runName") run.info.run_name = v;
  }
  for (const p of points) {
    let h = run.history.get(p.key);
    if (h === undefined) run.history.set(p.key, h = []);
    h.push(p);
    const last = run.latest.get(p.key);
    if (
      last === undefined || p.step > last.step ||
      (p.step === last.step && p.timestamp >= last.timestamp)
    ) run.latest.set(p.key, p);
  }
}
