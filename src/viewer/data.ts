/**
 * What the viewer reads, through the library's public API only, with a cache
 * of metric histories: a finished run's history is read once; a RUNNING run's
 * is read again at most every {@linkcode LIVE_TTL_MS}, so polling stays cheap.
 *
 * @module
 */
import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { Readable } from "node:stream";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {
  ArtifactEntry,
  Experiment,
  MetricPoint,
  RunRecord,
  TrackingClient,
} from "../../mod.ts";
import { TrackingError } from "../../mod.ts";

/** How old a search's answer may be to be reused as it is. */
export const FRESH_MS = 2_000;
/** How old a search's answer may be to be reused as it is for the home page's counts. */
export const HOME_FRESH_MS = 10_000;
/** How old a search's answer may be to be shown while a new search runs. */
export const STALE_MS = 30_000;
/** How long no request must come before a background search starts. */
export const QUIET_MS = 1_000;
/** How old a RUNNING run's cached history may be. */
export const LIVE_TTL_MS = 400;
/** The most points the cache holds before it forgets the oldest histories. */
const CACHE_POINTS = 20_000_000;

/** An experiment on the home page. */
export interface ExperimentSummary {
  /** The experiment. */
  experiment: Experiment;
  /** How many runs it holds (active ones). */
  runs: number;
  /** The latest start or end time among its runs (ms), if any. */
  lastActivity?: number;
  /** How many of its runs are RUNNING. */
  running: number;
  /** Its latest runs (at most 8), latest first. */
  recent: RunRecord[];
}

interface Cached {
  points: MetricPoint[];
  readAt: number;
  running: boolean;
}

/** Run ids and experiment ids as MLflow and OICM make them: letters, digits, `-`, `_`. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * Throws unless `id` looks like a run or experiment id (checked before any read).
 *
 * @example
 * ```ts ignore
 * checkId("0123abcd"); // "0123abcd"; checkId("../x") throws
 * ```
 */
export function checkId(id: string): string {
  if (!ID.test(id)) throw new TrackingError(`not a valid id: ${JSON.stringify(id.slice(0, 80))}`);
  return id;
}

/**
 * Throws unless `path` is a relative artifact path with no `..`, `\`, or control character.
 *
 * @example
 * ```ts ignore
 * checkArtifactPath("plots/loss.png"); // ok; "../meta.yaml" throws
 * ```
 */
export function checkArtifactPath(path: string): string {
  // deno-lint-ignore no-control-regex
  const bad = path.startsWith("/") || path.includes("\\") || /[\x00-\x1f]/.test(path) ||
    path.split("/").some((part) => part === ".." || part === ".");
  if (bad || path.length > 1024) throw new TrackingError("not a valid artifact path");
  return path.replace(/\/+$/, "");
}

/**
 * The viewer's reads over one `TrackingClient` (an offline folder or a server).
 *
 * @example
 * ```ts ignore
 * import { TrackingClient } from "@oicm/tracking";
 * const data = new ViewerData(new TrackingClient({ offline: true, storagePath: "./mlruns" }));
 * console.log(await data.experiments());
 * ```
 */
export class ViewerData {
  readonly #client: TrackingClient;
  readonly #histories = new Map<string, Cached>();
  readonly #reading = new Map<string, Promise<MetricPoint[]>>();
  readonly #waiting = new Set<string>();
  #lastAsked = 0;
  readonly #searches = new Map<string, { at: number; runs: RunRecord[] }>();
  readonly #searching = new Map<string, Promise<RunRecord[]>>();
  /** Finished runs' records, as the last search returned them (no datasets), or as read. */
  readonly #records = new Map<string, RunRecord>();
  /** Finished runs' records as `getRun` read them (with datasets). */
  readonly #read = new Map<string, RunRecord>();
  #cachedPoints = 0;

  /** Reads through `client`. */
  constructor(client: TrackingClient) {
    this.#client = client;
  }

  /** Every active experiment with its run count and last activity, latest first. */
  async experiments(): Promise<ExperimentSummary[]> {
    const experiments = await this.#client.searchExperiments({ maxResults: 1000 });
    const out = await Promise.all(experiments.map(async (experiment) => {
      // The home page's counts may be a little older (each search reads every run's files).
      const runs = await this.runs(experiment.experimentId, "", HOME_FRESH_MS);
      let last: number | undefined;
      for (const r of runs) {
        const t = Math.max(r.info.startTime ?? 0, r.info.endTime ?? 0);
        if (last === undefined || t > last) last = t;
      }
      const running = runs.filter((r) => r.info.status === "RUNNING").length;
      const recent = [...runs].sort((a, b) => (b.info.startTime ?? 0) - (a.info.startTime ?? 0))
        .slice(0, 8);
      return { experiment, runs: runs.length, lastActivity: last, running, recent };
    }));
    return out.sort((a, b) =>
      (b.lastActivity ?? b.experiment.creationTime ?? 0) -
      (a.lastActivity ?? a.experiment.creationTime ?? 0)
    );
  }

  /** One experiment. */
  experiment(id: string): Promise<Experiment> {
    return this.#client.getExperiment(checkId(id));
  }

  /**
   * An experiment's runs, optionally filtered with MLflow's filter syntax.
   * Searching reads every run's files offline (seconds for thousands of
   * runs), so an answer under {@linkcode FRESH_MS} old is reused as it is, one
   * under {@linkcode STALE_MS} is reused while a new search runs for the next
   * visit, and an older one is searched again first.
   */
  runs(experimentId: string, filter = "", freshMs = FRESH_MS): Promise<RunRecord[]> {
    const at = `${checkId(experimentId)}\u0000${filter}`;
    const hit = this.#searches.get(at);
    const age = hit === undefined ? Infinity : Date.now() - hit.at;
    if (hit !== undefined && age < STALE_MS) {
      if (age >= freshMs) this.#whenIdle(at, () => this.#search(at, experimentId, filter));
      return Promise.resolve(hit.runs);
    }
    return this.#search(at, experimentId, filter);
  }

  #search(at: string, experimentId: string, filter: string): Promise<RunRecord[]> {
    const pending = this.#searching.get(at);
    if (pending) return pending;
    const startedAt = Date.now();
    const search = this.#client.searchRuns({
      experimentIds: [experimentId],
      filter: filter || undefined,
      orderBy: ["attributes.start_time DESC"],
      maxResults: 50_000,
    }).then((runs) => {
      this.#searches.set(at, { at: startedAt, runs: this.#remember(runs) });
      if (this.#searches.size > 200) this.#searches.delete(this.#searches.keys().next().value!);
      return runs;
    }).finally(() => this.#searching.delete(at));
    this.#searching.set(at, search);
    return search;
  }

  /** Notes that a page or an API call was asked for: background searches wait for a quiet second. */
  touch(): void {
    this.#lastAsked = Date.now();
  }

  /** Runs `work` once no request came for {@linkcode QUIET_MS} (once per `key` at a time). */
  #whenIdle(key: string, work: () => Promise<unknown>): void {
    if (this.#waiting.has(key)) return;
    this.#waiting.add(key);
    const check = () => {
      if (Date.now() - this.#lastAsked < QUIET_MS) return void setTimeout(check, 200);
      this.#waiting.delete(key);
      work().catch(() => {});
    };
    setTimeout(check, 200);
  }

  /** Searches every experiment once, so that the first pages open at once (called at start). */
  warm(): void {
    this.experiments().catch(() => {});
  }

  /**
   * One run: a finished run as the last search or read returned it (reading
   * a run means reading every metric's file offline: a long history makes it
   * slow), a RUNNING one read afresh (`fresh` reads any run afresh; `whole`
   * never answers with a search's record, which lacks datasets).
   */
  async run(id: string, fresh = false, whole = false): Promise<RunRecord> {
    const known = this.#read.get(checkId(id)) ?? (whole ? undefined : this.#records.get(id));
    if (known !== undefined && !fresh) return known;
    const run = await this.#client.getRun(id);
    this.#remember([run]);
    if (run.info.status !== "RUNNING") this.#read.set(id, run);
    return run;
  }

  /** Whether {@linkcode run} would answer with a search's record (which lacks datasets). */
  searchedOnly(id: string): boolean {
    return !this.#read.has(id) && this.#records.has(id);
  }

  /** Keeps finished runs' records (and forgets a run that runs again). */
  #remember(runs: RunRecord[]): RunRecord[] {
    for (const r of runs) {
      const id = r.info.runId;
      const read = this.#read.get(id);
      if (read && read.info.status !== r.info.status) this.#read.delete(id);
      if (r.info.status === "RUNNING") {
        this.#records.delete(id);
        this.#read.delete(id);
      } else this.#records.set(id, r);
    }
    return runs;
  }

  /** A metric's history in step order, from the cache when fresh enough. */
  history(run: RunRecord, key: string): Promise<MetricPoint[]> {
    const id = run.info.runId;
    const at = `${id}\u0000${key}`;
    const cached = this.#histories.get(at);
    const now = Date.now();
    if (cached && (!cached.running || now - cached.readAt < LIVE_TTL_MS)) {
      return Promise.resolve(cached.points);
    }
    const pending = this.#reading.get(at);
    if (pending) return pending;
    const read = this.#client.getMetricHistory(id, key).then((points) => {
      const old = this.#histories.get(at);
      this.#cachedPoints += points.length - (old?.points.length ?? 0);
      this.#histories.delete(at);
      this.#histories.set(at, { points, readAt: now, running: run.info.status === "RUNNING" });
      this.#evict();
      return points;
    }).finally(() => this.#reading.delete(at));
    this.#reading.set(at, read);
    return read;
  }

  #evict(): void {
    for (const [at, c] of this.#histories) {
      if (this.#cachedPoints <= CACHE_POINTS || this.#histories.size <= 1) break;
      this.#histories.delete(at);
      this.#cachedPoints -= c.points.length;
    }
  }

  /** One level of a run's artifacts. */
  artifacts(runId: string, path?: string): Promise<ArtifactEntry[]> {
    return this.#client.listArtifacts(checkId(runId), path ? checkArtifactPath(path) : undefined);
  }

  /**
   * An artifact file, downloaded into a temporary folder: its bytes as a
   * stream (the folder is removed once the stream ends or is cancelled) and
   * its size. Files of any size are served this way, for download as for a
   * preview; the browser previews only small ones.
   */
  async artifactStream(
    runId: string,
    path: string,
  ): Promise<{ body: ReadableStream<Uint8Array>; size: number }> {
    checkId(runId);
    const file = checkArtifactPath(path);
    const slash = file.lastIndexOf("/");
    const parent = slash < 0 ? undefined : file.slice(0, slash);
    const entry = (await this.#client.listArtifacts(runId, parent)).find((e) => e.path === file);
    if (entry === undefined || entry.isDir) throw new TrackingError(`no artifact file ${file}`);
    const dir = mkdtempSync(join(tmpdir(), "oicm-viewer-"));
    const cleanup = () => rmSync(dir, { recursive: true, force: true });
    try {
      const local = await this.#client.downloadArtifacts(runId, file, dir);
      const size = statSync(local).size;
      const stream = createReadStream(local);
      stream.once("close", cleanup);
      return { body: Readable.toWeb(stream) as ReadableStream<Uint8Array>, size };
    } catch (err) {
      cleanup();
      throw err;
    }
  }
}
