/**
 * The {@linkcode Backend} that speaks MLflow's REST API through a
 * {@linkcode Transport}: plain MLflow and OICM Tracking alike (they differ only
 * in the tracking URI the transport is given).
 *
 * Why it is long: it maps every `Backend` method to MLflow's REST routes and
 * answers (and OICM's own routes); each method is short and independent.
 *
 * @module
 */
import type {
  Backend,
  Batch,
  ExperimentQuery,
  NewRun,
  RunQuery,
  RunUpdate,
} from "../core/backend.ts";
import { z } from "zod";
import { AuthError, NotFoundError, TrackingError } from "../core/errors.ts";
import { CLIENT_REQUEST_TAG, createRunOnce, requestFilter } from "./create_once.ts";
import { logBatchBodyFromLines } from "./metric_body.ts";
import { responses, toExperiment, toMetricPoint, toRunRecord } from "../http/schemas.ts";
import type { Transport } from "../http/transport.ts";
import type { DatasetInput, Experiment, MetricPoint, RunRecord } from "../core/types.ts";
import type { ArtifactRepo } from "../artifacts/artifact_repo.ts";
import type { ArtifactEntry } from "../core/types.ts";
import type { MultipartOptions } from "../artifacts/http_artifacts.ts";
import { artifactRepoFor } from "../artifacts/resolve.ts";
import { RestLoggedModels } from "../models/logged_models.ts";
import { toWireInput } from "../core/datasets.ts";

/**
 * Bodies go to fetch as strings: measured on Deno 2.9, byte bodies left ~30 MB
 * more native memory behind over 3M points sent.
 */
const utf8 = new TextDecoder();

/** The largest page asked for at once. */
const PAGE = 1000;

function tagList(tags: Record<string, string>): { key: string; value: string }[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

/** NaN or ±Infinity as MLflow's protobuf JSON spells it. */
function nonFiniteName(value: number): string {
  return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
}

/**
 * Encodes a batch as a `runs/log-batch` body. One `JSON.stringify` prints every
 * number: converting them one by one fills V8's number-string cache, whose
 * strings then pile up in the old space at millions of points. NaN and
 * ±Infinity, which JSON cannot hold, are spelled as MLflow's protobuf JSON
 * does (`"NaN"`, `"Infinity"`).
 */
export function encodeBatch(batch: Batch): string {
  let metrics: readonly { key: string; value: number | string }[] = batch.metrics;
  if (!batch.metrics.every((m) => Number.isFinite(m.value))) {
    metrics = batch.metrics.map((m) =>
      Number.isFinite(m.value) ? m : { ...m, value: nonFiniteName(m.value) }
    );
  }
  return JSON.stringify({
    run_id: batch.runId,
    metrics,
    params: batch.params,
    tags: batch.tags,
  });
}

/**
 * A name as an MLflow filter string literal, or `undefined` when none can hold
 * it. MLflow strips the quotes of a literal and unescapes nothing, so a name
 * with a single quote goes in double quotes, and one with both kinds cannot be
 * written at all.
 */
export function filterLiteral(value: string): string | undefined {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  return undefined;
}

/** The run started last among `runs`. */
export function newest(runs: readonly RunRecord[]): RunRecord | undefined {
  let best: RunRecord | undefined;
  for (const r of runs) if (best === undefined || r.info.startTime > best.info.startTime) best = r;
  return best;
}

/** OICM's answer to its run lookup: `{ items: [{ _id, ... }] }`. */
const oicmRunsAnswer = z.object({
  items: z.array(
    z.object({
      _id: z.string(),
      name: z.string().optional(),
      lifecycle_stage: z.string().optional(),
    }).passthrough(),
  ).optional().default([]),
}).passthrough();

/** How artifacts go to this server: OICM's multipart flow, when used. */
export interface ArtifactOptions {
  /** Files of at least `minBytes` go in parts of `chunkBytes` (OICM only). */
  multipart?: MultipartOptions;
}

/** Where an OICM workspace's own (non-MLflow) API lives. */
export interface OicmWorkspace {
  /** The API host, ending in `/api/tracking`. */
  apiHost: string;
  /** The workspace. */
  workspaceId: string;
  /** Told of what is worth knowing (OICM's run lookup missing). */
  notify: (message: string) => void;
}

/** A {@linkcode Backend} over MLflow's REST API. */
export class RestBackend implements Backend {
  /** Two batches at once: the next is encoded while the server stores the last. */
  readonly maxInFlight = 2;
  readonly #t: Transport;
  readonly #oicm: OicmWorkspace | undefined;

  readonly #artifactOptions: ArtifactOptions;
  /** Run id → its artifact URI, read once. */
  readonly #artifactUris = new Map<string, string>();

  /** A backend over `transport`; on OICM, `oicm` names the workspace for OICM's own routes. */
  constructor(transport: Transport, oicm?: OicmWorkspace, artifacts: ArtifactOptions = {}) {
    this.#t = transport;
    this.#oicm = oicm;
    this.#artifactOptions = artifacts;
  }

  async #artifacts(runId: string): Promise<ArtifactRepo> {
    let uri = this.#artifactUris.get(runId);
    if (uri === undefined) {
      uri = (await this.getRun(runId)).info.artifactUri;
      if (uri === undefined || uri === "") {
        throw new TrackingError(`run ${runId} has no artifact URI on this server`, {
          code: "UNSUPPORTED_ARTIFACT_URI",
        });
      }
      this.#artifactUris.set(runId, uri);
    }
    return artifactRepoFor(uri, {
      trackingUri: this.#t.trackingUri,
      transport: this.#t,
      runId,
      multipart: this.#oicm === undefined ? undefined : this.#artifactOptions.multipart,
    });
  }

  #loggedModels: RestLoggedModels | undefined;

  /** MLflow 3's logged models; none on OICM (its Python client does not log models). */
  loggedModels(): RestLoggedModels | undefined {
    if (this.#oicm !== undefined) return undefined;
    this.#loggedModels ??= new RestLoggedModels(
      this.#t,
      (uri) =>
        artifactRepoFor(uri, { trackingUri: this.#t.trackingUri, transport: this.#t, runId: "" }),
    );
    return this.#loggedModels;
  }

  async logArtifact(
    runId: string,
    source: string | Uint8Array,
    artifactPath: string,
  ): Promise<void> {
    await (await this.#artifacts(runId)).put(source, artifactPath);
  }

  listArtifacts(runId: string, path?: string): Promise<ArtifactEntry[]> {
    return this.#beyondOicm(
      "listing artifacts",
      async () => await (await this.#artifacts(runId)).list(path),
    );
  }

  downloadArtifact(runId: string, path: string, dstFile: string): Promise<void> {
    return this.#beyondOicm(
      "downloading artifacts",
      async () => await (await this.#artifacts(runId)).get(path, dstFile),
    );
  }

  logInputs(runId: string, inputs: readonly DatasetInput[]): Promise<void> {
    return this.#beyondOicm("runs/log-inputs", async () => {
      await this.#t.call(
        "logInputs",
        { run_id: runId, datasets: inputs.map(toWireInput) },
        responses.empty,
      );
    }, "record the dataset as params or tags (run.setTags({ dataset: ... })) there");
  }

  /**
   * Calls an MLflow route OICM's Python client never uses: on OICM, a 403 or
   * 404 for it says the route is not served there.
   */
  async #beyondOicm<T>(
    route: string,
    call: () => Promise<T>,
    instead = "use getRun and the OICM UI there, or an MLflow server",
  ): Promise<T> {
    try {
      return await call();
    } catch (err) {
      const notServed = err instanceof TrackingError && this.#oicm !== undefined &&
        (err.status === 403 || (err.status === 404 && err.code === "ENDPOINT_NOT_FOUND"));
      if (!notServed) throw err;
      throw new NotFoundError(
        `${route} is not served by OICM Tracking at ${this.#oicm!.apiHost} (OICM's Python client ` +
          `does not use it; the answer was ${err.status}): ${instead}`,
        { code: "ENDPOINT_NOT_FOUND", status: err.status, route, cause: err },
      );
    }
  }

  async createExperiment(name: string, tags: Record<string, string>): Promise<string> {
    const body = { name, tags: tagList(tags) };
    const res = await this.#t.call("createExperiment", body, responses.createExperiment);
    return res.experiment_id;
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const res = await this.#t.call(
      "getExperiment",
      { experiment_id: experimentId },
      responses.getExperiment,
    );
    return toExperiment(res.experiment);
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      const res = await this.#t.call(
        "getExperimentByName",
        { experiment_name: name },
        responses.getExperiment,
      );
      return toExperiment(res.experiment);
    } catch (err) {
      if (err instanceof NotFoundError && err.code === "RESOURCE_DOES_NOT_EXIST") return undefined;
      throw err;
    }
  }

  searchExperiments(query: ExperimentQuery): Promise<Experiment[]> {
    return this.#beyondOicm("experiments/search", () => this.#searchExperiments(query));
  }

  #searchExperiments(query: ExperimentQuery): Promise<Experiment[]> {
    return allPages(query.maxResults, async (maxResults, pageToken) => {
      const res = await this.#t.call("searchExperiments", {
        max_results: maxResults,
        filter: query.filter,
        order_by: query.orderBy,
        view_type: query.viewType ?? "ACTIVE_ONLY",
        page_token: pageToken,
      }, responses.searchExperiments);
      return { items: res.experiments.map(toExperiment), next: res.next_page_token };
    });
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.#t.call("deleteExperiment", { experiment_id: experimentId }, responses.empty);
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    await this.#t.call(
      "setExperimentTag",
      { experiment_id: experimentId, key, value },
      responses.empty,
    );
  }

  /** Creates the run once, even when a busy server loses the answer (see `create_once.ts`). */
  async createRun(run: NewRun): Promise<RunRecord> {
    return await createRunOnce({
      policy: this.#t.retryPolicy,
      create: async (requestId, once) => {
        const res = await this.#t.call(
          "createRun",
          {
            experiment_id: run.experimentId,
            run_name: run.runName,
            start_time: run.startTime,
            // As MLflow's client: who ran it, so `attributes.user_id = '...'` searches find the run.
            user_id: run.tags["mlflow.user"],
            tags: tagList({ ...run.tags, [CLIENT_REQUEST_TAG]: requestId }),
          },
          responses.run,
          once,
        );
        return toRunRecord(res.run);
      },
      find: async (requestId) => {
        try {
          const [found] = await this.#searchRuns({
            experimentIds: [run.experimentId],
            filter: requestFilter(requestId),
            maxResults: 1,
          });
          return found;
        } catch (err) {
          // A server without runs/search (OICM): no way to look; create again, as before.
          if (err instanceof NotFoundError || err instanceof AuthError) return undefined;
          throw err;
        }
      },
    });
  }

  async updateRun(runId: string, update: RunUpdate): Promise<void> {
    await this.#t.call("updateRun", {
      run_id: runId,
      run_uuid: runId,
      status: update.status,
      end_time: update.endTime,
      run_name: update.runName,
    }, responses.updateRun);
  }

  async getRun(runId: string): Promise<RunRecord> {
    const res = await this.#t.call("getRun", { run_id: runId }, responses.run);
    return toRunRecord(res.run);
  }

  searchRuns(query: RunQuery): Promise<RunRecord[]> {
    return this.#beyondOicm("runs/search", () => this.#searchRuns(query));
  }

  #searchRuns(query: RunQuery): Promise<RunRecord[]> {
    return allPages(query.maxResults, async (maxResults, pageToken) => {
      const res = await this.#t.call("searchRuns", {
        experiment_ids: query.experimentIds,
        filter: query.filter,
        run_view_type: query.viewType ?? "ACTIVE_ONLY",
        max_results: maxResults,
        order_by: query.orderBy,
        page_token: pageToken,
      }, responses.searchRuns);
      return { items: res.runs.map(toRunRecord), next: res.next_page_token };
    });
  }

  async findRunByName(experimentId: string, name: string): Promise<RunRecord | undefined> {
    if (this.#oicm !== undefined) return await this.#findOnOicm(experimentId, name);
    const literal = filterLiteral(name);
    const runs = await this.searchRuns({
      experimentIds: [experimentId],
      // A name no MLflow string literal can hold is matched here, over every run.
      filter: literal === undefined ? undefined : `attributes.run_name = ${literal}`,
      orderBy: ["attributes.start_time DESC"],
      maxResults: literal === undefined ? undefined : 100,
    });
    // Exactly this name: a server may compare case-insensitively (MySQL collations).
    return newest(runs.filter((r) => r.info.runName === name));
  }

  /**
   * OICM finds a run by name with its own route, as its Python client does:
   * the first run it lists of that name; a deleted one cannot be started.
   */
  async #findOnOicm(experimentId: string, name: string): Promise<RunRecord | undefined> {
    const { apiHost, workspaceId, notify } = this.#oicm!;
    const query = new URLSearchParams({
      offset: "0",
      limit: "1000",
      search: "",
      name,
      fetch_all: "True",
    });
    const url = `${apiHost}/v2/workspaces/${encodeURIComponent(workspaceId)}/experiments/` +
      `${encodeURIComponent(experimentId)}/runs?${query}`;
    let items: z.output<typeof oicmRunsAnswer>["items"];
    try {
      ({ items } = await this.#t.getJson("experiments/runs", url, oicmRunsAnswer));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      notify(
        `OICM's run lookup (${url.split("?")[0]}) answered 404: a run name cannot be resumed ` +
          `there, so a new run is started (as OICM's Python client does)`,
      );
      return undefined;
    }
    const first = items.find((r) => r.name === undefined || r.name === name);
    if (first === undefined) return undefined;
    if (first.lifecycle_stage === "deleted") {
      throw new TrackingError(
        `Cannot start a deleted run: run '${name}' (${first._id}) was deleted; try a run with ` +
          `a different name`,
        { code: "INVALID_STATE", route: "experiments/runs" },
      );
    }
    return await this.getRun(first._id);
  }

  async logBatch(batch: Batch): Promise<void> {
    await this.#t.post("logBatch", encodeBatch(batch));
  }

  async logMetricLines(runId: string, key: string, lines: Uint8Array): Promise<boolean> {
    const body = logBatchBodyFromLines(runId, key, lines);
    if (body === undefined) return false;
    await this.#t.post("logBatch", utf8.decode(body));
    return true;
  }

  getMetricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    return this.#beyondOicm("metrics/get-history", () => this.#getMetricHistory(runId, key));
  }

  async #getMetricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    const out: MetricPoint[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.#t.call("getMetricHistory", {
        run_id: runId,
        run_uuid: runId,
        metric_key: key,
        max_results: 25_000,
        page_token: pageToken,
      }, responses.metricHistory);
      for (const m of res.metrics) out.push(toMetricPoint(m));
      pageToken = res.next_page_token || undefined;
    } while (pageToken);
    return out.sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
  }
}

/** Follows a search's pages until `limit` items (all when undefined) or the last page. */
async function allPages<T>(
  limit: number | undefined,
  page: (maxResults: number, pageToken?: string) => Promise<{ items: T[]; next?: string }>,
): Promise<T[]> {
  const max = limit ?? Infinity;
  const out: T[] = [];
  let token: string | undefined;
  do {
    const { items, next } = await page(Math.min(PAGE, max - out.length), token);
    out.push(...items);
    token = next || undefined;
  } while (token && out.length < max);
  return out.slice(0, max);
}
