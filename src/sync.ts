/**
 * Uploading a local FileStore to a server: experiments by name, runs with
 * their names, tags, params, metric histories (timestamps and steps kept),
 * statuses and times. A sync record in each run's folder (`sync.json`, one
 * entry per target) says what already went, so a second sync sends nothing and
 * an interrupted one resumes without sending a point twice.
 *
 * @module
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Backend, KeyValue, MetricRecord } from "./backend.ts";
import { AlreadyExistsError } from "./errors.ts";
import type { FileBackend } from "./file_backend.ts";
import {
  keyPath,
  listKeys,
  parseMetricLines,
  readMetricLineChunks,
  writeAtomic,
  writeAtomicSync,
} from "./file_io.ts";
import { LIMITS } from "./validate.ts";

const decoder = new TextDecoder();

/** What one target knows of one local run. */
export interface SyncState {
  /** The run's id on the target. */
  remoteRunId: string;
  /** Params already sent. */
  params: string[];
  /** Tags already sent, with the value sent. */
  tags: Record<string, string>;
  /** Per metric key, how many bytes of its file were sent (whole lines). */
  metricBytes: Record<string, number>;
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

/** {@linkcode writeSyncState} for a run whose record is new, synchronously. */
export function writeSyncStateSync(runDir: string, target: string, state: SyncState): void {
  writeAtomicSync(join(runDir, RECORD), JSON.stringify({ [target]: state }, null, 1));
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

/**
 * Sends what the target lacks of one local run, saving progress after each
 * batch. Metric files are read in bounded chunks from where the last sync
 * stopped, so a large store or spool never has to fit in memory.
 */
export async function syncRun(
  source: FileBackend,
  target: Backend,
  targetKey: string,
  runId: string,
  remoteExperimentId: () => Promise<string>,
  report: SyncReport,
  onBatch: (points: number) => void = () => {},
): Promise<SyncState> {
  const run = await source.getRunMeta(runId);
  const dir = await source.runDirectory(runId);
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
      metricBytes: {},
    };
    report.created++;
    await save();
  }
  const remote = state.remoteRunId;
  const params: KeyValue[] = Object.entries(run.data.params)
    .filter(([k]) => !state.params.includes(k)).map(([key, value]) => ({ key, value }));
  for (const part of chunks(params, LIMITS.batchParams)) {
    await target.logBatch({ runId: remote, metrics: [], params: part, tags: [] });
    state.params.push(...part.map((p) => p.key));
    report.params += part.length;
    await save();
  }
  const tags: KeyValue[] = Object.entries(run.data.tags)
    .filter(([k, v]) => state.tags[k] !== v).map(([key, value]) => ({ key, value }));
  for (const part of chunks(tags, LIMITS.batchTags)) {
    await target.logBatch({ runId: remote, metrics: [], params: [], tags: part });
    for (const t of part) state.tags[t.key] = t.value;
    report.tags += part.length;
    await save();
  }
  const metricsDir = join(dir, "metrics");
  for (const key of await listKeys(metricsDir)) {
    const path = keyPath(metricsDir, key);
    const from = state.metricBytes[key] ?? 0;
    let linesBefore = 0;
    for await (
      const { lines, count, end } of readMetricLineChunks(path, from, LIMITS.batchMetrics)
    ) {
      // As they are on disk when the target can (no parsing); else as records, without the
      // lines that do not parse (each named once).
      let sent = count;
      if (!(await target.logMetricLines?.(remote, key, lines))) {
        const at = linesBefore;
        const metrics: MetricRecord[] = parseMetricLines(
          key,
          decoder.decode(lines),
          (line, content) =>
            source.badLine(
              path,
              from === 0 ? `line ${at + line}` : `line ${at + line} after byte ${from}`,
              content,
            ),
        );
        sent = metrics.length;
        if (sent > 0) await target.logBatch({ runId: remote, metrics, params: [], tags: [] });
      }
      linesBefore += count;
      state.metricBytes[key] = end; // sent: the record moves past these lines
      report.metrics += sent;
      await save();
      onBatch(sent);
    }
  }
  const { status, endTime } = run.info;
  if (status !== "RUNNING" && (state.status !== status || state.endTime !== endTime)) {
    await target.updateRun(remote, { status, endTime });
    state.status = status;
    state.endTime = endTime;
    report.ended++;
    await save();
  }
  return state;
}

/** Whether the target still lacks anything of a local run (points, params, tags or its end). */
export async function hasUnsent(
  source: FileBackend,
  runId: string,
  targetKey: string,
): Promise<boolean> {
  const run = await source.getRunMeta(runId);
  const dir = await source.runDirectory(runId);
  const state = (await readSyncRecord(dir))[targetKey];
  if (state === undefined) return true;
  if (Object.keys(run.data.params).some((k) => !state.params.includes(k))) return true;
  if (Object.entries(run.data.tags).some(([k, v]) => state.tags[k] !== v)) return true;
  const metricsDir = join(dir, "metrics");
  for (const key of await listKeys(metricsDir)) {
    if ((await stat(keyPath(metricsDir, key))).size > (state.metricBytes[key] ?? 0)) return true;
  }
  return run.info.status !== "RUNNING" && state.status !== run.info.status;
}

/** How many metric points of a local run the target has not been sent. */
export async function unsentPoints(
  source: FileBackend,
  runId: string,
  targetKey: string,
): Promise<number> {
  const dir = await source.runDirectory(runId);
  const state = (await readSyncRecord(dir))[targetKey];
  const metricsDir = join(dir, "metrics");
  let n = 0;
  for (const key of await listKeys(metricsDir)) {
    const from = state?.metricBytes[key] ?? 0;
    for await (const { count } of readMetricLineChunks(keyPath(metricsDir, key), from)) {
      n += count;
    }
  }
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
  const work: { runId: string; experiment: (typeof experiments)[number] }[] = [];
  for (const experiment of experiments) {
    for (const runId of await source.listRunIds(experiment.experimentId)) {
      work.push({ runId, experiment });
    }
  }
  const progress: SyncProgress = { runsDone: 0, runsTotal: work.length, pointsSent: 0 };
  const remoteIds = new Map<string, Promise<string>>();
  for (const { runId, experiment } of work) {
    const remoteId = () => {
      let id = remoteIds.get(experiment.name);
      if (id === undefined) {
        id = remoteExperiment(target, experiment.name, experiment.tags);
        remoteIds.set(experiment.name, id);
      }
      return id;
    };
    await syncRun(source, target, targetKey, runId, remoteId, report, (n) => {
      progress.pointsSent += n;
      onProgress({ ...progress });
    });
    report.runs++;
    progress.runsDone++;
    onProgress({ ...progress });
  }
  return report;
}
