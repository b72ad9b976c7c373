/**
 * {@linkcode TrackingClientOptions}, checked with zod when a client is built,
 * and where the client's requests go (OICM or plain MLflow).
 *
 * Why it is long: most of it is the documented public option types users
 * read; the checking is one zod schema.
 *
 * @module
 */
import { z } from "zod";
import type { DeliveryError } from "../core/errors.ts";
import { ValidationError } from "../core/errors.ts";
import { idProblem } from "../core/validate.ts";
import type { RetryOptions } from "../http/retry.ts";
import type { SystemMetricsOptions } from "../system_metrics/system_metrics.ts";
import { peekEnv } from "../core/peek_env.ts";
import { belongsTo, oicmHostVariable } from "./env_credentials.ts";
import { parseOrigin } from "../http/credentials.ts";
import { OICM_HOST_SUFFIX } from "../http/routes.ts";
import type { FetchFn } from "../http/transport.ts";
import type { TagsInput, ViewType } from "../core/types.ts";

/**
 * How to reach the tracking server, and how the client behaves.
 *
 * @example Offline, into a local MLflow FileStore
 * ```ts
 * import { TrackingClient } from "@oicm/tracking";
 * const client = new TrackingClient({ offline: true, storagePath: "./mlruns" });
 * ```
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
   * tracking server such as `http://127.0.0.1:5000`. Required unless `offline`.
   */
  apiHost?: string;
  /** Record into a local directory (MLflow's FileStore layout) instead of a server. */
  offline?: boolean;
  /** The offline store's directory. Default `./mlruns`. */
  storagePath?: string;
  /** Sent as `Authorization: Bearer <apiKey>`; never printed or put in errors. */
  apiKey?: string;
  /** The OICM workspace; may also be given to `setExperiment`. */
  workspaceId?: string;
  /**
   * The experiment runs go to until `setExperiment` is called, by name (got or created when the
   * first run starts): MLflow's `MLFLOW_EXPERIMENT_NAME`, which `fromEnv()` reads.
   */
  experimentName?: string;
  /** The same by id: MLflow's `MLFLOW_EXPERIMENT_ID`. */
  experimentId?: string;
  /**
   * The run that `startRun()` with no name or id (and logging with no active run) attaches to:
   * MLflow's `MLFLOW_RUN_ID`, how the workers of a distributed job log into one run.
   */
  runId?: string;
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
  /** Told of things worth knowing that are no failure (records spooled, spool drained). */
  onNotice?: (message: string) => void;
  /** Where records wait when the server is unavailable. Default `./.tracking-spool`. */
  spoolPath?: string;
  /** The most records held in memory (about 32 bytes a point); beyond it they go to disk. Default 1 000 000. */
  maxQueue?: number;
  /** First wait before a spooled record is tried again, in ms (doubling to 60 s). Default 5000. */
  spoolRetryMs?: number;
  /**
   * How long `close()` waits for a server that answers nothing, in ms (a server that keeps
   * answering is never cut short); past it, what is left goes to the spool, and `close()` says
   * where and how to send it. Default 30 000.
   */
  closeTimeoutMs?: number;
  /**
   * Sample system metrics (CPU, memory, disk, network, GPU) in every run. Default true on OICM
   * (as OICM's Python client), false on a plain MLflow server and offline (as MLflow's).
   */
  logSystemMetrics?: boolean;
  /** How system metrics are sampled (`intervalMs`, default 10 000). */
  systemMetrics?: SystemMetricsOptions;
  /**
   * OICM's multipart artifact upload, as the Python client's constructor options
   * (`enable_proxy_multipart_upload`, `multipart_upload_chunk_size_bytes`,
   * `multipart_upload_minimum_file_size_bytes`): on OICM, a file of at least
   * `minFileBytes` (default 25 MiB) goes in parts of `chunkBytes` (default 25 MiB),
   * each checked by CRC-32. Plain MLflow servers get every file in one request.
   */
  multipartUpload?: MultipartUploadOptions;
  /**
   * Origins (`https://storage.example.com`, scheme, host and port only) that get the API key
   * and headers besides the tracking server's own. A run's `http(s)` artifact URI on another
   * origin gets no credentials unless its origin is named here (MLflow's Python client sends
   * them to any artifact URI; on a shared server, whoever sets an experiment's
   * `artifact_location` would collect keys).
   */
  artifactCredentialOrigins?: string[];
}

/**
 * OICM's multipart artifact upload.
 *
 * @example
 * ```ts
 * import type { MultipartUploadOptions } from "@oicm/tracking";
 * const parts: MultipartUploadOptions = { chunkBytes: 64 * 1024 ** 2, minFileBytes: 100 * 1024 ** 2 };
 * ```
 */
export interface MultipartUploadOptions {
  /** Whether large files go in parts. Default true. */
  enabled?: boolean;
  /** The size of a part in bytes. Default 25 MiB. */
  chunkBytes?: number;
  /** Files of at least this many bytes go in parts. Default 25 MiB. */
  minFileBytes?: number;
}

/** A workspace, experiment or run id: the one rule of `validateId` (no dot segment, no `/`). */
const id = z.string().min(1).superRefine((value, ctx) => {
  const problem = idProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
});

const optionsSchema = z.object({
  apiHost: z.string().refine((s) => /^https?:\/\/[^/]/.test(s), {
    message: "must be an http(s) URL",
  }).optional(),
  offline: z.boolean().optional(),
  storagePath: z.string().min(1).optional(),
  apiKey: z.string().min(1).optional(),
  workspaceId: id.optional(),
  experimentName: z.string().min(1).optional(),
  experimentId: id.optional(),
  runId: id.optional(),
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
  onNotice: z.custom<(m: string) => void>((f) => typeof f === "function", "must be a function")
    .optional(),
  spoolPath: z.string().min(1).optional(),
  maxQueue: z.number().int().positive().optional(),
  spoolRetryMs: z.number().int().min(0).optional(),
  closeTimeoutMs: z.number().int().min(0).optional(),
  logSystemMetrics: z.boolean().optional(),
  systemMetrics: z.object({
    intervalMs: z.number().int().positive().optional(),
    nodeId: z.string().min(1).regex(/^[\w.\-]+$/, "letters, digits, '_', '.', '-'").optional(),
  }).strict().optional(),
  multipartUpload: z.object({
    enabled: z.boolean().optional(),
    chunkBytes: z.number().int().positive().optional(),
    minFileBytes: z.number().int().positive().optional(),
  }).strict().optional(),
  artifactCredentialOrigins: z.array(
    z.string().refine((o) => parseOrigin(o) !== undefined, {
      message: "must be an http(s) origin such as https://storage.example.com (no path)",
    }),
  ).optional(),
}).strict().refine((o) => o.offline === true || o.apiHost !== undefined, {
  message: "apiHost is required (or offline: true with a storagePath)",
  path: ["apiHost"],
});

/**
 * Options with what OICM's Python client reads from the environment when it
 * is not given: `OIP_OFFLINE_MODE=True`, `OIP_TRACKING_SERVER`,
 * `OIP_WORKLOAD_ACCESS_KEY` and `OIP_WORKLOAD_ID` (the `OIP-Workload-Id`
 * header). Nothing is prompted for: Deno without `--allow-env` reads none.
 */
export function withPythonEnvDefaults(options: TrackingClientOptions): TrackingClientOptions {
  if (options === null || typeof options !== "object") return options;
  const out = { ...options };
  if (out.offline === undefined && out.apiHost === undefined) {
    if (/^true$/i.test(peekEnv("OIP_OFFLINE_MODE") ?? "")) out.offline = true;
  }
  if (!out.offline) {
    out.apiHost ??= peekEnv("OIP_TRACKING_SERVER");
    // The workload key belongs to the OICM host it was read with (any OICM host if none is named).
    const hostVariable = oicmHostVariable();
    const bound = hostVariable === undefined ? undefined : peekEnv(hostVariable);
    if (out.apiHost !== undefined && belongsTo(out.apiHost, bound, "oicm")) {
      out.apiKey ??= peekEnv("OIP_WORKLOAD_ACCESS_KEY");
    }
  }
  out.workloadId ??= peekEnv("OIP_WORKLOAD_ID");
  if (out.workloadId === undefined) delete out.workloadId;
  if (out.apiHost === undefined) delete out.apiHost;
  if (out.apiKey === undefined) delete out.apiKey;
  return out;
}

/** Checks options, throwing a {@linkcode ValidationError} naming the bad field. */
export function checkOptions(options: unknown): TrackingClientOptions {
  const parsed = optionsSchema.safeParse(
    withPythonEnvDefaults(options as TrackingClientOptions),
  );
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join(".") || "options";
    // Never echo values: one of them may be the API key.
    throw new ValidationError(`TrackingClient option '${field}': ${issue.message}`);
  }
  const opts = parsed.data as TrackingClientOptions;
  if (!opts.offline && opts.apiHost !== undefined) {
    const kind = endpointOf(opts.apiHost).kind;
    if (kind !== "oicm" && opts.workspaceId !== undefined) throw notOicm(opts.apiHost);
    if (kind === "oicm" && opts.apiKey === undefined && opts.headers?.Authorization === undefined) {
      throw new ValidationError(
        "OICM needs an API key: pass apiKey (it is in the OICM user menu), or set " +
          "OICM_TRACKING_API_KEY for TrackingClient.fromEnv() (OIP_WORKLOAD_ACCESS_KEY works too)",
      );
    }
  }
  return opts;
}

/** A workspace was given for a host that is not OICM: say what an OICM host looks like. */
export function notOicm(apiHost: string): ValidationError {
  let shown = "the given apiHost";
  try {
    const u = new URL(apiHost);
    shown = `${u.origin}${u.pathname}`.replace(/\/+$/, "");
  } catch { /* not a URL: the schema said so already */ }
  return new ValidationError(
    `a workspaceId needs an OICM apiHost, which ends in ${OICM_HOST_SUFFIX} (got ${shown}): ` +
      `use https://<oicm-host>${OICM_HOST_SUFFIX}, or drop workspaceId for a plain MLflow server`,
  );
}

/** Where records go: an OICM host (workspace-scoped), a plain MLflow server, or a local store. */
export interface Endpoint {
  kind: "oicm" | "mlflow" | "offline";
  /** The API host (OICM), tracking URI (MLflow) or store directory (offline). */
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

/**
 * Options of `TrackingClient.startRun`.
 *
 * @example
 * ```ts
 * import type { StartRunOptions } from "@oicm/tracking";
 * const opts: StartRunOptions = { runName: "baseline", tags: ["baseline"] };
 * ```
 */
export interface StartRunOptions {
  /** A name; online, when a run of that name exists in the experiment, it is continued (see `resume`). */
  runName?: string;
  /**
   * With `runName`: continue an existing run of that name. Default: true on a
   * server, false offline (a new run each time), as OICM's Python client does.
   */
  resume?: boolean;
  /** Re-attach to this existing run (wins over `runName`). */
  runId?: string;
  /** Tags, as labels or a record. */
  tags?: TagsInput;
  /** Stored as the run's description (`mlflow.note.content`). */
  description?: string;
  /** Open a child of the active run (tagged `mlflow.parentRunId`) instead of failing. */
  nested?: boolean;
  /** Put the run in this experiment; the client's active experiment stays as it is. */
  experimentId?: string;
  /** Put the run in the experiment of this name (created when absent); the active one stays. */
  experimentName?: string;
  /** Sample system metrics while the run is open (overrides the client's option). */
  logSystemMetrics?: boolean;
  /** How this run's system metrics are sampled. */
  systemMetrics?: SystemMetricsOptions;
}

/**
 * Options of `TrackingClient.setExperiment`.
 *
 * @example
 * ```ts
 * import type { SetExperimentOptions } from "@oicm/tracking";
 * const opts: SetExperimentOptions = { workspaceId: "ws-1", tags: ["vision"] };
 * ```
 */
export interface SetExperimentOptions {
  /** The OICM workspace the experiment lives in. */
  workspaceId?: string;
  /** Tags to set on the experiment, as labels or a record. */
  tags?: TagsInput;
}

/**
 * Options of `TrackingClient.searchRuns`.
 *
 * @example
 * ```ts
 * import type { SearchRunsOptions } from "@oicm/tracking";
 * const q: SearchRunsOptions = { filter: "params.lr = '0.01'", orderBy: ["metrics.loss ASC"] };
 * ```
 */
export interface SearchRunsOptions {
  /** Experiments to search; the active experiment by default. */
  experimentIds?: string[];
  /** An MLflow filter string, such as `metrics.loss < 0.5 AND tags.team = 'vision'`. */
  filter?: string;
  /** Order clauses, such as `attributes.start_time DESC`. */
  orderBy?: string[];
  /** The most runs to return (pages are followed up to it). */
  maxResults?: number;
  /** Active runs only by default. */
  viewType?: ViewType;
}

/**
 * Options of `TrackingClient.searchExperiments`.
 *
 * @example
 * ```ts
 * import type { SearchExperimentsOptions } from "@oicm/tracking";
 * const q: SearchExperimentsOptions = { filter: "name LIKE 'vision%'", maxResults: 50 };
 * ```
 */
export interface SearchExperimentsOptions {
  /** An MLflow filter string, such as `name LIKE 'vision%'`. */
  filter?: string;
  /** Order clauses, such as `name ASC`. */
  orderBy?: string[];
  /** The most experiments to return (pages are followed up to it). */
  maxResults?: number;
  /** Active experiments only by default. */
  viewType?: ViewType;
}
