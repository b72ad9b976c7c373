/**
 * {@linkcode TrackingClientOptions}, checked with zod when a client is built,
 * and where the client's requests go (OICM or plain MLflow).
 *
 * @module
 */
import { z } from "zod";
import type { DeliveryError } from "./errors.ts";
import { ValidationError } from "./errors.ts";
import type { RetryOptions } from "./retry.ts";
import { OICM_HOST_SUFFIX } from "./routes.ts";
import type { FetchFn } from "./transport.ts";

/**
 * How to reach the tracking server, and how the client behaves.
 *
 * @example OICM Tracking
 * ```ts
 * import { TrackingClient } from "@oicm/tracking";
 * const client = new TrackingClient({
 *   apiHost: "https://oicm.example.com/api/tracking",
 *   apiKey: "my-api-key",
 *   workspaceId: "ws-123",
 * });
 * ```
 */
export interface TrackingClientOptions {
  /**
   * An OICM API host (ending in `/api/tracking`), or the URI of a plain MLflow
   * tracking server such as `http://127.0.0.1:5000`.
   */
  apiHost: string;
  /** Sent as `Authorization: Bearer <apiKey>`; never printed or put in errors. */
  apiKey?: string;
  /** The OICM workspace; may also be given to `setExperiment`. */
  workspaceId?: string;
  /** Sent as the `OIP-Workload-Id` header, as OICM's Python client does. */
  workloadId?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** The `fetch` to use (a fake server's, a proxy's); the global one by default. */
  fetch?: FetchFn;
  /** Per-request timeout in ms. Default 120 000, as MLflow. */
  timeoutMs?: number;
  /** How failed requests are retried. */
  retry?: RetryOptions;
  /** The longest a logged record waits before it is sent, in ms. Default 1000. */
  flushIntervalMs?: number;
  /** Told of every failed background delivery. Default: a line on stderr. */
  onError?: (error: DeliveryError) => void;
}

const optionsSchema = z.object({
  apiHost: z.string().refine((s) => /^https?:\/\/[^/]/.test(s), {
    message: "must be an http(s) URL",
  }),
  apiKey: z.string().min(1).optional(),
  workspaceId: z.string().min(1).optional(),
  workloadId: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  fetch: z.custom<FetchFn>((f) => typeof f === "function", "must be a function").optional(),
  timeoutMs: z.number().int().positive().optional(),
  retry: z.object({
    maxRetries: z.number().int().min(0).optional(),
    initialDelayMs: z.number().min(0).optional(),
    maxDelayMs: z.number().min(0).optional(),
    maxElapsedMs: z.number().min(0).optional(),
  }).strict().optional(),
  flushIntervalMs: z.number().int().min(0).optional(),
  onError: z.custom<(e: DeliveryError) => void>(
    (f) => typeof f === "function",
    "must be a function",
  )
    .optional(),
}).strict();

/** Checks options, throwing a {@linkcode ValidationError} naming the bad field. */
export function checkOptions(options: unknown): TrackingClientOptions {
  const parsed = optionsSchema.safeParse(options);
  if (parsed.success) return parsed.data as TrackingClientOptions;
  const issue = parsed.error.issues[0];
  const field = issue.path.join(".") || "options";
  // Never echo values: one of them may be the API key.
  throw new ValidationError(`TrackingClient option '${field}': ${issue.message}`);
}

/** Where requests go: an OICM host (workspace-scoped) or a plain MLflow server. */
export interface Endpoint {
  kind: "oicm" | "mlflow";
  /** The API host (OICM) or tracking URI (MLflow), without a trailing slash. */
  base: string;
}

/** Tells an OICM host from a plain MLflow tracking URI. */
export function endpointOf(apiHost: string): Endpoint {
  let base = apiHost.replace(/\/+$/, "");
  try {
    const url = new URL(base);
    if (url.username || url.password) {
      throw new ValidationError(
        "apiHost must not hold credentials; pass apiKey (or headers) instead",
      );
    }
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    throw new ValidationError("TrackingClient option 'apiHost': not a valid URL");
  }
  base = base.replace(/\/api\/2\.0\/mlflow$/, "");
  return { kind: base.endsWith(OICM_HOST_SUFFIX) ? "oicm" : "mlflow", base };
}
