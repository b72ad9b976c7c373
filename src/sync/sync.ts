/**
 * Uploading a local FileStore to a server: experiments by name, runs with
 * their names, tags, params, metric histories (timestamps and steps kept),
 * statuses and times. A sync record in each run's folder (`sync.json`, one
 * entry per target) says what already went, so a second sync sends nothing and
 * an interrupted one resumes without sending a point twice.
 *
 * Why it is long: one run's sync (records in order, then artifacts, inputs
 * and the end, each recorded as sent) and the store's sync (lock, parents
 * first, remote checks) share their state; the record and artifacts live in
 * `sync_record.ts` and `sync_artifacts.ts`.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { Backend, Batch, KeyValue, MetricRecord } from "../core/backend.ts";
import { AlreadyExistsError, NotFoundError, TrackingError } from "../core/errors.ts";
import { acquireLock } from "../store/file_lock.ts";
import { syncArtifacts } from "./sync_artifacts.ts";
import { loggedModelIds, syncLoggedModels } from "./sync_models.ts";
import {
  emptyReport,
  readSyncRecord,
  type SyncProgress,
  type SyncReport,
  type SyncState,
  writeSyncState,
} from "./sync_record.ts";

import { sendKeepingWhatFits } from "../core/partial_delivery.ts";
import type { FileBackend } from "../store/file_backend.ts";
import { keyPath, listKeys, parseMetricLines, readMetricLineChunks } from "../core/file_io.ts";
import { LIMITS } from "../core/validate.ts";
import { batchArrived, createTagged, findCreatedRun, newSyncToken } from "./sync_intent.ts";

const decoder = new TextDecoder();

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

/** How {@linkcode syncRun} reports and what it needs besides the run. */
export interface SyncRunOptions {
  /** The target's experiment for the run, got or created when the run is first sent. */
  remoteExperimentId: () => Promise<string>;
  /** Counts what was sent (updated in place). */
  report: SyncReport;
  /** Told after each batch of points, with how many went. */
  onBatch?: (points: number) => void;
  /** Told of each record the target refused (the rest of its batch still went). */
  onRefused?: (error: TrackingError) => void;
  /** The tags as the target should have them (a local parent run id becomes the target's). */
  rewriteTags?: (tags: Record<string, string>) => Record<string, string>;
  /**
   * Ask the target whether it still has a run recorded as synced (one call):
   * a target reset since, or a wrong key, is then found instead of trusted.
   */
  verify?: boolean;
  /** Forget what the sync record says was sent: everything goes again, as a new run. */
  force?: boolean;
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
  how: SyncRunOptions,
): Promise<SyncState> {
  const { report, onBatch = () => {}, onRefused = () => {} } = how;
  /** Sends a batch; what the target refuses of it is counted and told, the rest goes. */
  const send = async (batch: Batch) => {
    const refusal = await sendKeepingWhatFits(target, batch);
    if (refusal === undefined) return;
    report.refused += refusal.refused;
    for (const error of refusal.errors) onRefused(error);
  };
  const run = await source.getRunMeta(runId);
  if (how.rewriteTags !== undefined) run.data.tags = how.rewriteTags(run.data.tags);
  const dir = await source.runDirectory(runId);
  let state: SyncState | undefined = how.force ? undefined : (await readSyncRecord(dir))[targetKey];
  const save = () => writeSyncState(dir, targetKey, state!);
  if (state !== undefined && state.remoteRunId !== "" && how.verify) {
    try {
      await target.getRun(state.remoteRunId);
    } catch (err) {
      if (!(err instanceof NotFoundError && err.code === "RESOURCE_DOES_NOT_EXIST")) throw err;
      state = undefined; // the target no longer has it: send it all again
    }
  }
  if (state === undefined || state.remoteRunId === "") {
    // Write-ahead: the token goes into the record before runs/create, so a sync killed before
    // the answer finds the run it created (by the token's tag) instead of making a second one.
    const experimentId = await how.remoteExperimentId();
    const pending = state?.intent?.kind === "create" ? state.intent.token : undefined;
    let created = pending === undefined
      ? undefined
      : await findCreatedRun(target, experimentId, run.info.runName, pending);
    if (created === undefined) {
      const token = pending ?? newSyncToken();
      state = {
        remoteRunId: "",
        params: [],
        tags: {},
        metricBytes: {},
        intent: { kind: "create", token },
      };
      await save();
      created = await createTagged(target, {
        experimentId,
        runName: run.info.runName,
        startTime: run.info.startTime,
        tags: run.data.tags,
      }, token);
    }
    state = {
      remoteRunId: created.info.runId,
      params: [],
      tags: { ...run.data.tags },
      metricBytes: {},
    };
    report.created++;
    report.tags += Object.keys(run.data.tags).length; // they went with runs/create
    await save();
  }
  const remote = state.remoteRunId;
  const params: KeyValue[] = Object.entries(run.data.params)
    .filter(([k]) => !state.params.includes(k)).map(([key, value]) => ({ key, value }));
  for (const part of chunks(params, LIMITS.batchParams)) {
    await send({ runId: remote, metrics: [], params: part, tags: [] });
    state.params.push(...part.map((p) => p.key));
    report.params += part.length;
    await save();
  }
  const tags: KeyValue[] = Object.entries(run.data.tags)
    .filter(([k, v]) => state.tags[k] !== v).map(([key, value]) => ({ key, value }));
  for (const part of chunks(tags, LIMITS.batchTags)) {
    await send({ runId: remote, metrics: [], params: [], tags: part });
    for (const t of part) state.tags[t.key] = t.value;
    report.tags += part.length;
    await save();
  }
  const metricsDir = join(dir, "metrics");
  const intent = state.intent?.kind === "metrics" ? state.intent : undefined;
  if (intent !== undefined && (state.metricBytes[intent.key] ?? 0) === intent.from) {
    // A batch was sent and its answer never came: the key's history says whether it arrived.
    if (await batchArrived(target, remote, intent, keyPath(metricsDir, intent.key))) {
      state.metricBytes[intent.key] = intent.end;
    }
  }
  if (state.intent !== undefined) {
    delete state.intent;
    await save();
  }
  for (const key of await listKeys(metricsDir)) {
    const path = keyPath(metricsDir, key);
    const from = state.metricBytes[key] ?? 0;
    let linesRead = 0;
    let at = from;
    for await (
      const { lines, count, end } of readMetricLineChunks(path, from, LIMITS.batchMetrics)
    ) {
      /** Records the batch as about to go (write-ahead), before it is sent. */
      const intend = async () => {
        state.intent = { kind: "metrics", key, from: at, end };
        await save();
      };
      // As they are on disk when the target can (no parsing); else as records, without the
      // lines that do not parse (each named once).
      let sent = count;
      let asLines = false;
      if (target.logMetricLines !== undefined) {
        await intend();
        asLines = await target.logMetricLines(remote, key, lines);
      }
      if (!asLines) {
        const first = linesRead;
        const metrics: MetricRecord[] = parseMetricLines(
          key,
          decoder.decode(lines),
          (line, content) =>
            source.badLine(
              path,
              from === 0 ? `line ${first + line}` : `line ${first + line} after byte ${from}`,
              content,
            ),
        );
        sent = metrics.length;
        if (sent > 0) {
          await intend();
          await send({ runId: remote, metrics, params: [], tags: [] });
        }
      }
      linesRead += count;
      at = end;
      state.metricBytes[key] = end; // sent: the record moves past these lines
      delete state.intent;
      report.metrics += sent;
      await save();
      onBatch(sent);
    }
  }
  // Logged models first: the MLmodel files among the artifacts then name the target's ids.
  await syncLoggedModels(source, target, dir, state, save, report, how.remoteExperimentId);
  await syncArtifacts(target, dir, state, save, report);
  state.inputs ??= [];
  for (const input of await source.readInputs(runId)) {
    const id = `${input.name}\0${input.digest}`;
    if (state.inputs.includes(id)) continue;
    await target.logInputs(remote, [input]);
    state.inputs.push(id);
    await save();
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
  if (state === undefined || state.remoteRunId === "") return true;
  if (Object.keys(run.data.params).some((k) => !state.params.includes(k))) return true;
  if (Object.entries(run.data.tags).some(([k, v]) => state.tags[k] !== v)) return true;
  const metricsDir = join(dir, "metrics");
  for (const key of await listKeys(metricsDir)) {
    if ((await stat(keyPath(metricsDir, key))).size > (state.metricBytes[key] ?? 0)) return true;
  }
  const artifactsDir = join(dir, "artifacts");
  for (const path of await listKeys(artifactsDir)) {
    const { size, mtimeMs } = await stat(keyPath(artifactsDir, path));
    const sent = state.artifacts?.[path];
    if (sent === undefined || sent.size !== size || sent.mtimeMs !== mtimeMs) return true;
  }
  const inputs = await source.readInputs(runId);
  if (inputs.some((i) => !(state.inputs ?? []).includes(`${i.name}\0${i.digest}`))) return true;
  if ((await loggedModelIds(dir)).some((id) => state.models?.[id] === undefined)) return true;
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

/** How {@linkcode syncStore} reports, and how long it waits for another sync of the store. */
export interface SyncStoreOptions {
  /** Told after each run and each batch of points. */
  onProgress?: (p: SyncProgress) => void;
  /** Told of each record the target refused, and of each spooled run that is not its. */
  onRefused?: (error: TrackingError) => void;
  /** Told once when another process is syncing (or draining) this store and this waits. */
  onWait?: (holder: string) => void;
  /** How long to wait for another sync of the store to end. Default 10 minutes. */
  lockWaitMs?: number;
  /** Resend everything, as new runs on the target, whatever the sync records say. */
  force?: boolean;
}

/** The lock file a sync (or a spool's drain) holds while it sends a store. */
export const SYNC_LOCK = ".sync.lock";

/** The file that marks a directory as a spool (sync then sends each run only to its own server). */
export const SPOOL_MARKER = ".spool";

/** Runs ordered so that a parent (by `mlflow.parentRunId`) comes before its children. */
function parentsFirst<T extends { runId: string; parent?: string }>(work: T[]): T[] {
  const byId = new Map(work.map((w) => [w.runId, w]));
  const out: T[] = [];
  const placed = new Set<string>();
  const visit = (w: T, depth: number) => {
    if (placed.has(w.runId)) return;
    const parent = w.parent === undefined ? undefined : byId.get(w.parent);
    if (parent !== undefined && depth < work.length) visit(parent, depth + 1);
    if (!placed.has(w.runId)) {
      placed.add(w.runId);
      out.push(w);
    }
  };
  for (const w of work) visit(w, 0);
  return out;
}

/**
 * Uploads every active run of a local store to `target`; see the module docs.
 * Syncs of one store exclude each other across processes (a lock file in the
 * store); parents go before their children, whose `mlflow.parentRunId` then
 * names the parent's run on the target. In a spool, a run goes only to the
 * server it was spooled for.
 */
export async function syncStore(
  source: FileBackend,
  target: Backend,
  targetKey: string,
  options: SyncStoreOptions = {},
): Promise<SyncReport> {
  const { onProgress = () => {}, onRefused = () => {} } = options;
  const lock = await acquireLock(join(source.root, SYNC_LOCK), {
    waitMs: options.lockWaitMs ?? 600_000,
    onWait: options.onWait,
  });
  try {
    const report = emptyReport();
    const isSpool = existsSync(join(source.root, SPOOL_MARKER));
    const experiments = await source.searchExperiments({});
    const work: { runId: string; parent?: string; experiment: (typeof experiments)[number] }[] = [];
    for (const experiment of experiments) {
      for (const runId of await source.listRunIds(experiment.experimentId)) {
        const { tags } = (await source.getRunMeta(runId)).data;
        work.push({ runId, parent: tags["mlflow.parentRunId"], experiment });
      }
    }
    let pointsTotal = 0;
    for (const { runId } of work) {
      pointsTotal += await unsentPoints(source, runId, options.force ? "" : targetKey);
    }
    const progress: SyncProgress = {
      runsDone: 0,
      runsTotal: work.length,
      pointsSent: 0,
      pointsTotal,
    };
    const remoteIds = new Map<string, Promise<string>>();
    /** Local run id → the target's, for runs synced (now or before). */
    const synced = new Map<string, string>();
    for (const { runId } of work) {
      const state = (await readSyncRecord(await source.runDirectory(runId)))[targetKey];
      if (state !== undefined && state.remoteRunId !== "" && (!options.force || isSpool)) {
        synced.set(runId, state.remoteRunId);
      }
    }
    for (const { runId, experiment } of parentsFirst(work)) {
      const remoteId = () => {
        let id = remoteIds.get(experiment.name);
        if (id === undefined) {
          id = remoteExperiment(target, experiment.name, experiment.tags);
          remoteIds.set(experiment.name, id);
        }
        return id;
      };
      if (isSpool && !synced.has(runId)) {
        const known = Object.keys(await readSyncRecord(await source.runDirectory(runId)));
        onRefused(
          new TrackingError(
            `spooled run ${runId} holds records for ${known.join(", ") || "another server"}, ` +
              `not ${targetKey}: sync the spool with --to that server`,
            { code: "WRONG_TARGET" },
          ),
        );
      } else {
        const state = await syncRun(source, target, targetKey, runId, {
          remoteExperimentId: remoteId,
          report,
          onBatch: (n) => {
            progress.pointsSent += n;
            onProgress({ ...progress });
          },
          onRefused,
          verify: !isSpool,
          force: options.force && !isSpool,
          rewriteTags: (tags) => {
            const parent = tags["mlflow.parentRunId"];
            const remoteParent = parent === undefined ? undefined : synced.get(parent);
            return remoteParent === undefined
              ? tags
              : { ...tags, "mlflow.parentRunId": remoteParent };
          },
        });
        synced.set(runId, state.remoteRunId);
        report.runs++;
      }
      progress.runsDone++;
      onProgress({ ...progress });
    }
    return report;
  } finally {
    lock.release();
  }
}
