/**
 * A client's state written at process exit, synchronously (see
 * `exit_hooks.ts`): queued records into the store or the spool, then the end
 * of every open run (FINISHED, FAILED or KILLED, as the exit was), and of every
 * run whose end was asked for and had not landed yet.
 *
 * @module
 */
import type { SpillBatch } from "../core/backend.ts";
import type { EndStatus } from "../core/types.ts";
import type { Batcher } from "../delivery/batcher.ts";
import type { Run } from "./run.ts";

/** What a client saves at exit, and where. */
export interface ExitParts {
  batcher: Batcher;
  /** Runs open (not ended). */
  open: Iterable<Run>;
  /** Runs whose end was asked for and is on its way, with the status asked for. */
  ending: ReadonlyMap<Run, EndStatus>;
  writeAtExit: (batch: SpillBatch) => unknown;
  endAtExit: (runId: string, status: EndStatus, endTime: number) => void;
  /** Online: marks what the spool holds as left, for the next process with that server. */
  leave?: () => void;
  /** Told once what was written where (online: the spool and the command that sends it). */
  notify: (saved: { records: number; ended: string[]; lost: number }) => void;
}

/** Writes a client's queued records and ends its open runs with `status` (FAILED after an error). */
export function saveAtExit(parts: ExitParts, status: EndStatus): void {
  let records = 0;
  const lost = parts.batcher.writeAllSync((batch) => {
    records += batch.points + batch.params.length + batch.tags.length;
    return parts.writeAtExit(batch);
  });
  const endTime = Date.now();
  const ended: string[] = [];
  const end = (run: Run, status: EndStatus) => {
    if (!run.created) return; // a run the server never made cannot be ended
    try {
      parts.endAtExit(run.runId, status, endTime);
      ended.push(`${run.runId} ${status}`);
    } catch {
      // At exit nothing can be reported; the other runs still end.
    }
  };
  for (const run of parts.open) if (!run.ended) end(run, status);
  for (const [run, status] of parts.ending) end(run, status);
  try {
    parts.leave?.();
  } catch {
    // the records stay for `cli sync`
  }
  if (records + ended.length + lost > 0) parts.notify({ records, ended, lost });
}

/** What a client says at exit about what it wrote (online: where, and the command that sends it). */
export function exitNotice(
  saved: { records: number; ended: string[]; lost: number },
  servers: { endpoint: { kind: string; base: string }; workspaceId?: string },
  spool: { path: string } | undefined,
): string {
  const parts: string[] = [];
  if (saved.records > 0) parts.push(`${saved.records} queued record(s)`);
  if (saved.ended.length > 0) parts.push(`the end of run(s) ${saved.ended.join(", ")}`);
  let text = `at exit: ${parts.join(" and ") || "nothing"} written to ` +
    (spool === undefined ? `the store ${servers.endpoint.base}` : spool.path);
  if (spool !== undefined && parts.length > 0) {
    const { base, kind } = servers.endpoint;
    text +=
      `; the next run started with this server sends them, or: deno run -A jsr:@oicm/tracking/cli sync ${spool.path} --to ${base}` +
      (kind === "oicm" ? ` --workspace ${servers.workspaceId}` : "");
  }
  if (saved.lost > 0) text += `; ${saved.lost} record(s) of a run still being created are lost`;
  return text;
}
