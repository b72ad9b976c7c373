/**
 * Which repository a run's artifact URI means, as MLflow's client decides:
 * `mlflow-artifacts:/...` goes through the tracking server's artifact service,
 * an `http(s)` URI straight to it (OICM's runs carry one), `file:` (or a plain
 * absolute path) is a folder on this machine; any other scheme is a clear
 * error naming it and the fix.
 *
 * @module
 */
import { TrackingError } from "../core/errors.ts";
import type { Transport } from "../http/transport.ts";
import type { ArtifactRepo } from "./artifact_repo.ts";
import { HttpArtifacts, type MultipartOptions } from "./http_artifacts.ts";
import { localArtifactDir, LocalArtifacts } from "./local_artifacts.ts";

/** What resolving an artifact URI needs to know. */
export interface ResolveContext {
  /** The tracking URI requests go below. */
  trackingUri: string;
  transport: Transport;
  /** The run the artifacts belong to. */
  runId: string;
  /** OICM's multipart upload, when it applies. */
  multipart?: MultipartOptions;
}

/** The repository of a run's artifacts, from its artifact URI. */
export function artifactRepoFor(uri: string, ctx: ResolveContext): ArtifactRepo {
  if (uri.startsWith("mlflow-artifacts:")) {
    // mlflow-artifacts:/0/<run>/artifacts, or mlflow-artifacts://host:port/0/<run>/artifacts
    const path = uri.replace(/^mlflow-artifacts:(\/\/[^/]*)?/, "").replace(/^\/+/, "");
    return new HttpArtifacts({
      base: `${ctx.trackingUri}/api/2.0/mlflow-artifacts/artifacts/${path}`.replace(/\/+$/, ""),
      transport: ctx.transport,
    });
  }
  if (/^https?:\/\//.test(uri)) {
    const multipart = ctx.multipart === undefined
      ? undefined
      : { ...ctx.multipart, trackingUri: ctx.trackingUri, runId: ctx.runId };
    return new HttpArtifacts({
      base: uri.replace(/\/+$/, ""),
      transport: ctx.transport,
      multipart,
    });
  }
  if (uri.startsWith("file:") || uri.startsWith("/")) {
    return new LocalArtifacts(localArtifactDir(uri));
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1] ?? uri;
  throw new TrackingError(
    `this run keeps its artifacts at ${scheme}: storage (${
      uri.split("?")[0]
    }), which this client ` +
      `does not write to directly: start the MLflow server with artifact serving ` +
      `(mlflow server --serve-artifacts --artifacts-destination ${scheme}://...), so that runs get ` +
      `mlflow-artifacts: URIs the server stores for you`,
    { code: "UNSUPPORTED_ARTIFACT_URI" },
  );
}
