/**
 * Creating a run on the backend, or continuing one as OICM's Python client
 * does: by id, or by name (the most recent active run of that name in the
 * experiment, set RUNNING again, with the new tags applied). By name only
 * when `resume` is not false: the client sets it false offline, as the
 * Python client looks names up only online.
 *
 * @module
 */
import type { Backend, NewRun } from "../core/backend.ts";
import { TrackingError } from "../core/errors.ts";
import type { StartRunOptions } from "./options.ts";
import type { CreatedRun } from "./run.ts";
import { runContextTags } from "../core/run_context.ts";
import type { RunInfo, RunRecord } from "../core/types.ts";

/** Continues the run `options` names (by id, or by name unless `resume: false`), or creates one. */
export async function createOrResume(
  backend: Backend,
  options: StartRunOptions,
  tags: Record<string, string>,
  experimentId: string,
  notify: (message: string) => void = () => {},
): Promise<CreatedRun> {
  let record: RunRecord | undefined;
  if (options.runId !== undefined) {
    record = await backend.getRun(options.runId);
    if (record.info.lifecycleStage === "deleted") {
      throw new TrackingError(`run ${options.runId} has been deleted and cannot be resumed`, {
        code: "INVALID_STATE",
      });
    }
  } else if (options.runName !== undefined && options.resume !== false) {
    record = await backend.findRunByName(experimentId, options.runName);
    if (record !== undefined && record.info.status !== "RUNNING") {
      notify(
        `run '${options.runName}' (${record.info.runId}) had ended ${record.info.status}; ` +
          `continuing it, as the Python client does for a run name: it is RUNNING again and ` +
          `what you log is added to it (metrics at the steps you give, beside its earlier ` +
          `points). For a new run, pass resume: false or another name.`,
      );
    }
  }
  if (record !== undefined) {
    await backend.updateRun(record.info.runId, { status: "RUNNING" });
    const info: RunInfo = { ...record.info, status: "RUNNING" };
    delete info.endTime;
    return { info, resumed: { params: record.data.params, tags } };
  }
  const created = await backend.createRun(newRun(options, tags, experimentId));
  return { info: created.info };
}

function newRun(
  options: StartRunOptions,
  tags: Record<string, string>,
  experimentId: string,
): NewRun {
  if (options.runName !== undefined) tags["mlflow.runName"] = options.runName;
  return {
    experimentId,
    runName: options.runName,
    startTime: Date.now(),
    tags: { ...runContextTags(), ...tags },
  };
}

/**
 * A new run made at once, where that needs no lookup (offline, no run to
 * continue by id or name): its info is then readable synchronously, so a run
 * is "still being created" only while a server is truly creating it.
 * Undefined when it cannot be made so; the background path then creates it
 * (and reports any failure through `run.ready`).
 */
export function createRunAtOnce(
  createNow: ((run: NewRun) => RunRecord) | undefined,
  options: StartRunOptions,
  tags: Record<string, string>,
  experimentId: string,
): CreatedRun | undefined {
  if (createNow === undefined || options.runId !== undefined) return undefined;
  if (options.runName !== undefined && options.resume !== false) return undefined;
  try {
    return { info: createNow(newRun(options, { ...tags }, experimentId)).info };
  } catch {
    return undefined;
  }
}
