/**
 * The write-ahead half of the sync record. `runs/create` and `log-batch` are
 * not idempotent on an MLflow server: sent twice, they make two runs or two
 * copies of each point. So a sync writes what it is about to send (an intent)
 * into the sync record before sending it, and clears it once the answer came.
 * A sync that finds an intent left behind (the process was killed between the
 * two) asks the target whether the request arrived before sending it again:
 * a created run carries a tag with a token the intent holds, found by search;
 * a batch of points arrived when the key's history holds each of its points.
 *
 * @module
 */
import type { Backend, NewRun } from "../core/backend.ts";
import { NotFoundError } from "../core/errors.ts";
import { open } from "node:fs/promises";
import { parseMetricLines } from "../core/file_io.ts";
import type { RunRecord } from "../core/types.ts";

/** The tag each run a sync creates carries: the token of the intent that created it. */
export const SYNC_ID_TAG = "oicm.sync.id";

/** A run about to be created on the target, found again by its {@linkcode SYNC_ID_TAG}. */
export interface CreateIntent {
  kind: "create";
  /** The value of the run's {@linkcode SYNC_ID_TAG}. */
  token: string;
}

/** A batch of one key's points about to be sent: the bytes `[from, end)` of its file. */
export interface MetricsIntent {
  kind: "metrics";
  key: string;
  from: number;
  end: number;
}

/** What a sync was about to send when it last stopped; absent when nothing was in flight. */
export type SyncIntent = CreateIntent | MetricsIntent;

/** A new token for a {@linkcode CreateIntent}. */
export function newSyncToken(): string {
  return crypto.randomUUID();
}

/** Whether a call failed because the server does not serve that route (OICM). */
function notServed(err: unknown): boolean {
  return err instanceof NotFoundError && err.code === "ENDPOINT_NOT_FOUND";
}

/**
 * The run an earlier sync created with `token`, if the target has it: a
 * search by tag, or, where search is not served (OICM), the run of that name
 * when it carries the token.
 */
export async function findCreatedRun(
  target: Backend,
  experimentId: string,
  runName: string,
  token: string,
): Promise<RunRecord | undefined> {
  try {
    const runs = await target.searchRuns({
      experimentIds: [experimentId],
      filter: `tags."${SYNC_ID_TAG}" = '${token}'`,
      viewType: "ALL",
      maxResults: 10,
    });
    return runs.find((r) => r.data.tags[SYNC_ID_TAG] === token);
  } catch (err) {
    if (!notServed(err)) throw err;
  }
  const byName = await target.findRunByName(experimentId, runName);
  return byName?.data.tags[SYNC_ID_TAG] === token ? byName : undefined;
}

/** Creates a run tagged with `token` (the intent must be saved before this is called). */
export async function createTagged(
  target: Backend,
  run: NewRun,
  token: string,
): Promise<RunRecord> {
  return await target.createRun({ ...run, tags: { ...run.tags, [SYNC_ID_TAG]: token } });
}

/** A point as history and file both give it: step, timestamp and value (NaN included). */
function pointKey(p: { step: number; timestamp: number; value: number }): string {
  return `${p.step}|${p.timestamp}|${String(p.value)}`;
}

/**
 * Whether the batch an intent names reached the target: the key's history
 * holds every point of it (a `log-batch` lands whole or not at all). Points
 * logged to the run by other means (a spooled run's direct deliveries) do not
 * confuse it, as a count would. Where the history route is not served
 * (OICM), it is taken as not arrived, and sent again.
 */
export async function batchArrived(
  target: Backend,
  remoteRunId: string,
  intent: MetricsIntent,
  path: string,
): Promise<boolean> {
  const bytes = new Uint8Array(intent.end - intent.from);
  const file = await open(path, "r");
  try {
    await file.read(bytes, 0, bytes.length, intent.from);
  } finally {
    await file.close();
  }
  const batch = parseMetricLines(intent.key, new TextDecoder().decode(bytes));
  if (batch.length === 0) return true;
  let history;
  try {
    history = await target.getMetricHistory(remoteRunId, intent.key);
  } catch (err) {
    if (notServed(err)) return false;
    throw err;
  }
  const have = new Map<string, number>();
  for (const p of history) have.set(pointKey(p), (have.get(pointKey(p)) ?? 0) + 1);
  for (const p of batch) {
    const n = have.get(pointKey(p)) ?? 0;
    if (n === 0) return false;
    have.set(pointKey(p), n - 1);
  }
  return true;
}
