/**
 * Where a client's records go, chosen from its options: the offline store (a
 * FileStore folder), or a server behind the spool (records the server cannot
 * take wait on disk). Also what an overflowing queue spills into.
 *
 * @module
 */
import { resolve } from "node:path";
import type { Backend, NewRun, SpillBatch, Target } from "../core/backend.ts";
import type { EndStatus, RunRecord } from "../core/types.ts";
import type { MultipartOptions } from "../artifacts/http_artifacts.ts";
import { orderedStore } from "../delivery/offline_order.ts";
import { SpoolingBackend } from "../delivery/spool.ts";
import { parseOrigin } from "../http/credentials.ts";
import { DEFAULT_RETRY } from "../http/retry.ts";
import type { LoadObserver } from "../http/overload.ts";
import type { TransportConfig } from "../http/transport.ts";
import { FileBackend } from "../store/file_backend.ts";
import { withPermissionErrors } from "../store/permissions.ts";
import { type Endpoint, endpointOf, type TrackingClientOptions } from "./options.ts";

/** OICM's multipart upload: parts of 25 MiB, for files of 25 MiB and more (as its Python client). */
const MULTIPART_BYTES = 25 * 1024 ** 2;

/** What a client records into. */
export interface Records {
  endpoint: Endpoint;
  backend: Backend;
  /** The spool, online. */
  spool?: SpoolingBackend;
  /** Where a queue over `maxQueue` puts a batch. */
  spill: (batch: SpillBatch) => void | Promise<void>;
  /** Offline: creates a run synchronously (there is no server to wait for). */
  createRunNow?: (run: NewRun) => RunRecord;
  /** At exit, synchronously: where queued records go (the store, or the spool). */
  writeAtExit: (batch: SpillBatch) => unknown;
  /** At exit, synchronously: records a run's end (in the store, or in the spool). */
  endAtExit: (runId: string, status: EndStatus, endTime: number) => void;
}

/** How requests are made, from the options (none offline). */
export function transportOf(
  opts: TrackingClientOptions,
  notify: (message: string) => void,
  onLoad?: LoadObserver,
): Omit<TransportConfig, "trackingUri"> | undefined {
  if (opts.offline) return undefined;
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.workloadId) headers["OIP-Workload-Id"] = opts.workloadId;
  return {
    apiKey: opts.apiKey,
    headers,
    credentialOrigins: opts.artifactCredentialOrigins?.map((o) => parseOrigin(o) ?? o),
    fetch: opts.fetch,
    timeoutMs: opts.timeoutMs ?? 120_000,
    retry: { ...DEFAULT_RETRY, ...opts.retry },
    notify,
    onLoad,
  };
}

/** OICM's multipart upload sizes, from the options (undefined: off). */
export function multipartOf(opts: TrackingClientOptions): MultipartOptions | undefined {
  const parts = opts.multipartUpload ?? {};
  return parts.enabled === false ? undefined : {
    chunkBytes: parts.chunkBytes ?? MULTIPART_BYTES,
    minBytes: parts.minFileBytes ?? MULTIPART_BYTES,
  };
}

/** The endpoint the options name (the offline store's folder, offline). */
export function endpointFor(opts: TrackingClientOptions): Endpoint {
  return opts.offline
    ? { kind: "offline", base: resolve(opts.storagePath ?? "./mlruns") }
    : endpointOf(opts.apiHost!);
}

/** The backend records go to: the offline store, or `target()` behind the spool. */
export function recordsFor(
  opts: TrackingClientOptions,
  endpoint: Endpoint,
  target: () => Target,
  notify: (message: string) => void,
): Records {
  if (opts.offline) {
    const files = new FileBackend(endpoint.base, notify);
    const store = withPermissionErrors(files, `the offline store ${files.root}`);
    const { backend, spill } = orderedStore(store);
    return {
      endpoint,
      backend,
      createRunNow: (run) => store.createRunSync(run),
      // Synchronously when the run's folder is known (memory is freed in the call), else async.
      spill,
      writeAtExit: spill,
      endAtExit: (runId, status, endTime) => store.endRunSync(runId, status, endTime),
    };
  }
  const spool = new SpoolingBackend({
    path: opts.spoolPath ?? "./.tracking-spool",
    current: target,
    maxInFlight: 2,
    retryMs: opts.spoolRetryMs ?? 5000,
    notify,
  });
  return {
    endpoint,
    backend: spool,
    spool,
    spill: (batch) => spool.spill(batch, "overflow"),
    writeAtExit: (batch) => spool.spill(batch, "exit"),
    endAtExit: (runId, status, endTime) => spool.endAtExit(runId, status, endTime),
  };
}
