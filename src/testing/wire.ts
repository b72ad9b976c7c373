/**
 * The wire-level helpers of the fake server: MLflow's error answers and the
 * reading of request fields the way MLflow's server reads them.
 *
 * @module
 */
/**
 * An MLflow error answer: HTTP status, `error_code` and message.
 *
 * @example
 * ```ts
 * import { MlflowFault } from "@oicm/tracking/testing";
 * const fault = new MlflowFault(404, "RESOURCE_DOES_NOT_EXIST", "no run");
 * ```
 */
export class MlflowFault extends Error {
  /** HTTP status. */
  readonly status: number;
  /** MLflow `error_code`. */
  readonly code: string;
  /** Builds a fault. */
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** A 400 INVALID_PARAMETER_VALUE fault. */
export const invalid = (message: string) =>
  new MlflowFault(400, "INVALID_PARAMETER_VALUE", message);
/** A 404 RESOURCE_DOES_NOT_EXIST fault. */
export const missing = (message: string) =>
  new MlflowFault(404, "RESOURCE_DOES_NOT_EXIST", message);

/**
 * A JSON object as MLflow sends and receives it.
 *
 * @example
 * ```ts
 * import type { Json } from "@oicm/tracking/testing";
 * const body: Json = { run_id: "abc", metrics: [] };
 * ```
 */
export type Json = Record<string, unknown>;

/** A string field; absent is an error when `required`. */
export function str(body: Json, field: string, required = true): string | undefined {
  const v = body[field];
  if (v === undefined || v === null || v === "") {
    if (required) throw invalid(`Missing value for required parameter '${field}'.`);
    return undefined;
  }
  if (typeof v !== "string") throw invalid(`Invalid value for parameter '${field}': not a string`);
  return v;
}

/** A list field of objects (absent is empty); anything else is a 400, as MLflow answers. */
export function list(body: Json, field: string): Json[] {
  const v = body[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => x === null || typeof x !== "object" || Array.isArray(x))) {
    throw invalid(`Invalid value ${JSON.stringify(v).slice(0, 100)} for parameter '${field}'`);
  }
  return v as Json[];
}

/** An int64 field (a number or a numeric string). */
export function int(body: Json, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n)) {
    throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${field}': not an integer`);
  }
  return n;
}

/** A metric value: a number, or NaN and ±Infinity as protobuf JSON strings. */
export function metricValue(v: unknown, key: string): number {
  if (typeof v === "number") return v;
  if (v === "NaN") return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  throw invalid(`Got invalid value ${JSON.stringify(v)} for metric '${key}'`);
}

/** A metric value as MLflow answers it (NaN and ±Infinity as strings). */
export function encodeValue(v: number): number | string {
  return Number.isFinite(v) ? v : Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
}

/** A map as MLflow's list of key/value pairs. */
export function pairs(map: Map<string, string>): { key: string; value: string }[] {
  return [...map].map(([key, value]) => ({ key, value }));
}

/** One page of `items` by `max_results` and `page_token`. */
export function page<T>(items: T[], body: Json, defaultMax: number): { items: T[]; next?: string } {
  const max = int(body, "max_results") ?? defaultMax;
  if (max <= 0 || max > 50_000) throw invalid(`max_results must be in (0, 50000], got ${max}`);
  const token = str(body, "page_token", false);
  let offset = 0;
  if (token !== undefined) {
    try {
      offset = Number(atob(token));
    } catch {
      offset = NaN;
    }
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw invalid(`Invalid page token '${token.slice(0, 40)}'`);
    }
  }
  const slice = items.slice(offset, offset + max);
  return offset + max < items.length ? { items: slice, next: btoa(String(offset + max)) } : {
    items: slice,
  };
}
