/**
 * Uploading a local FileStore to a server: experiments by name, runs with
 * their names, tags, params, metric histories (timestamps and steps kept),
 * statuses and times. A sync record in each run's folder (`sync.json`, one
 * entry per target) says what already went, so a second sync sends nothing and
 * an interrupted one resumes without sending a point twice.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Backend, KeyValue, MetricRecord } from "./backend.ts";
import { AlreadyExistsError } from "./errors.ts";
import type { FileBackend } from "./file_backend.ts";
import { keyPath, listKeys, parseMetricLines, writeAtomic } from "./file_io.ts";
import type { RunRecord } from "./types.ts";
import { LIMITS } from "./validate.ts";

/** What one target knows of one local run. */
export interface SyncState {
  /** The run's id on the target. */
  remoteRunId: string;
  /** Params already sent. */
  params: string[];
  /** Tags already sent, with the value sent. */
  tags: Record<string, string>;
  /** Per metric key, how many lines of its file were sent. */
  metrics: Record<string, number>;
  /** The status and end time last sent. */
  status?: string;
  endTime?: number;
}

/**
 * What a sync did.
 *
 * @example
 * ```ts
 * import type { SyncReport } from "@oicm/tracking";
 * const line = (r: SyncReport) => `${r.runs} runs, ${r.metrics} points sent`;
 * ```
 */
export interface SyncReport {
  /** Runs looked at. */
  runs: number;
  /** Runs created on the target. */
  created: number;
  /** Metric points sent. */
  metrics: number;
  /** Params sent. */
  params: number;
  /** Tags sent. */
  tags: number;
  /** Runs whose status or end time was sent. */
  ended: number;
}

/**
 * Progress of a sync, reported after each run and each batch of points.
 *
 * @example
 * ```ts
 * import type { SyncProgress } from "@oicm/tracking";
 * const show = (p: SyncProgress) => `${p.runsDone}/${p.runsTotal} runs, ${p.pointsSent} points`;
 * ```
 */
export interface SyncProgress {
  /** Runs finished so far. */
  runsDone: number;
  /** Runs to look at in all. */
  runsTotal: number;
  /** Metric points sent so far. */
  pointsSent: number;
}

const RECORD = "sync.json";

/** Reads a run's sync record. */
export async function readSyncRecord(runDir: string): Promise<Record<string, SyncState>> {
  try {
    return JSON.parse(await readFile(join(runDir, RECORD), "utf8"));
  } catch {
    return {};
  }
}

/** Writes one target's state into a run's sync record (atomically). */
export async function writeSyncState(
  runDir: string,
  target: string,
  state: SyncState,
): Promise<void> {
  const record = await readSyncRecord(runDir);
  record[target] = state;
  await writeAtomic(join(runDir, RECORD), JSON.stringify(record, null, 1));
}

/** Gets the target's experiment of that name, creating it (with tags) when absent. */
async function remoteExperiment(
  target: Backend,
  name: string,
  tags: Record<string, string>,
): Promise<string> {
  const found = await target.getExperimentByName(name);
  if (found) return found.experimentId;
  try {
    return await target.createExperiment(name, tags);
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
    return (await target.getExperimentByName(name))!.experimentId;
  }
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Sends what the target lacks of one local run, saving progress after each batch. */
export async function syncRun(
  source: FileBackend,
  target: Backend,
  targetKey: string,
  run: RunRecord,
  remoteExperimentId: () => Promise<string>,
  report: SyncReport,
  onBatch: (points: number) => void = () => {},
): Promise<SyncState> {
  const dir = await source.runDirectory(run.info.runId);
  let state = (await readSyncRecord(dir))[targetKey];
  const save = () => writeSyncState(dir, targetKey, state);
  if (state === undefined) {
    const created = await target.createRun({
      experimentId: await remoteExperimentId(),
      runName: run.info.runName,
      startTime: run.info.startTime,
      tags: run.data.tags,
    });
    state = {
      remoteRunId: created.info.runId,
      params: [],
      tags: { ...run.data.tags },
      metrics: {},
    };
    report.created++;
    await save();
  }
  const runId = state.remoteRunId;
  const params: KeyValue[] = Object.entries(run.data.params)
    .filter(([k]) => !state.params.includes(k)).map(([key, value]) => ({ key, value }));
  for (const part of chunks(params, LIMITS.batchParams)) {
    await target.logBatch({ runId, metrics: [], params: part, tags: [] });
    state.params.push(...part.map((p) => p.key));
    report.params += part.length;
    await save();
  }
  const tags: KeyValue[] = Object.entries(run.data.tags)
    .filter(([k, v]) => state.tags[k] !== v).map(([key, value]) => ({ key, value }));
  for (const part of chunks(tags, LIMITS.batchTags)) {
    await target.logBatch({ runId, metrics: [], params: [], tags: part });
    for (const t of part) state.tags[t.key] = t.value;
    report.tags += part.length;
    await save();
  }
  const metricsDir = join(dir, "metrics");
  for (const key of await listKeys(metricsDir)) {
    const points = parseMetricLines(key, await readFile(keyPath(metricsDir, key), "utf8"));
    const from = state.metrics[key] ?? 0;
    const fresh: MetricRecord[] = points.slice(from);
    for (const part of chunks(fresh, LIMITS.batchMetrics)) {
      await target.logBatch({ runId, metrics: part, params: [], tags: [] });
      state.metrics[key] = (state.metrics[key] ?? 0) + part.length;
      report.metrics += part.length;
      await save();
      onBatch(part.length);
    }
  }
  const { status, endTime } = run.info;
  if (status !== "RUNNING" && (state.status !== status || state.endTime !== endTime)) {
    await target.updateRun(runId, { status, endTime });
    state.status = status;
    state.endTime = endTime;
    report.ended++;
    await save();
  }
  return state;
}

/**
 * How many records of a local run the target still lacks (metric points,
 * params, tags, and 1 for an end not yet sent).
 */
export async function unsent(
  source: FileBackend,
  runId: string,
  targetKey: string,
): Promise<number> {
  const run = await source.getRun(runId);
  const dir = await source.runDirectory(runId);
  const state = (await readSyncRecord(dir))[targetKey];
  let n = Object.keys(run.data.params).filter((k) => !state?.params.includes(k)).length +
    Object.entries(run.data.tags).filter(([k, v]) => state?.tags[k] !== v).length;
  const metricsDir = join(dir, "metrics");
  for (const key of await listKeys(metricsDir)) {
    const lines = parseMetricLines(key, await readFile(keyPath(metricsDir, key), "utf8")).length;
    n += Math.max(0, lines - (state?.metrics[key] ?? 0));
  }
  if (run.info.status !== "RUNNING" && state?.status !== run.info.status) n++;
  return n;
}

/** Uploads every active run of a local store to `target`; see the module docs. */
export async function syncStore(
  source: FileBackend,
  target: Backend,
  targetKey: string,
  onProgress: (p: SyncProgress) => void = () => {},
): Promise<SyncReport> {
  const report: SyncReport = { runs: 0, created: 0, metrics: 0, params: 0, tags: 0, ended: 0 };
  const experiments = await source.searchExperiments({});
  const work: { run: RunRecord; experiment: (typeof experiments)[number] }[] = [];
  for (const experiment of experiments) {
    const runs = await source.searchRuns({ experimentIds: [experiment.experimentId] });
    for (const run of runs.reverse()) work.push({ run, experiment }); // oldest first
  }
  const progress: SyncProgress = { runsDone: 0, runsTotal: work.length, pointsSent: 0 };
  const remoteIds = new Map<string, Promise<string>>();
  for (const { run, experiment } of work) {
    const remoteId = () => {
      let id = remoteIds.get(experiment.name);
      if (id === undefined) {
        id = remoteExperiment(target, experiment.name, experiment.tags);
        remoteIds.set(experiment.name, id);
      }
      return id;
    };
    await syncRun(source, target, targetKey, run, remoteId, report, (n) => {
      progress.pointsSent += n;
      onProgress({ ...progress });
    });
    report.runs++;
    progress.runsDone++;
    onProgress({ ...progress });
  }
  return report;
}
