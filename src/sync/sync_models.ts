/**
 * A run's logged models (MLflow 3) sent by sync, each once: created on the
 * target for the target's run, its files uploaded to the target's location
 * (the `MLmodel` naming the target's ids), linked to the run, finalized as it
 * was here. A target without logged models (OICM, older MLflow) takes none:
 * the model folder in the run's artifacts, which sync sends too, carries the
 * model there.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Backend } from "../core/backend.ts";
import { keyPath, listKeys } from "../core/file_io.ts";
import { localArtifactDir } from "../artifacts/local_artifacts.ts";
import type { FileBackend } from "../store/file_backend.ts";
import type { SyncReport, SyncState } from "./sync_record.ts";

/** The ids of the models a local run logged (`<run>/outputs/<model_id>`). */
export async function loggedModelIds(runDir: string): Promise<string[]> {
  const dir = join(runDir, "outputs");
  if (!existsSync(dir)) return [];
  return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) =>
    e.name
  );
}

/**
 * An `MLmodel` as the target must see it: its logged model's id (and the
 * run's) as the target has them, or no `model_id` where the target keeps no
 * logged models (MLflow's loaders would look that id up). Text not naming a
 * model sent comes back as it was.
 */
export function retargetMlmodel(text: string, state: SyncState): string {
  const local = /^model_id: ['"]?([^'"\s]+)['"]?$/m.exec(text)?.[1];
  const remote = local === undefined ? undefined : state.models?.[local];
  if (remote === undefined) return text;
  const q = JSON.stringify; // quoted: an id of digits must stay a string in YAML
  const out = text.replace(/^run_id: .*$/m, `run_id: ${q(state.remoteRunId)}`);
  if (remote === "") return out.replace(/^model_id: .*\n/m, "");
  return out.replace(/^model_id: .*$/m, `model_id: ${q(remote)}`)
    .replace(/^model_uuid: .*$/m, `model_uuid: ${q(remote)}`);
}

/** Sends the logged models of a local run the target lacks. */
export async function syncLoggedModels(
  source: FileBackend,
  target: Backend,
  runDir: string,
  state: SyncState,
  save: () => Promise<void>,
  report: SyncReport,
  remoteExperimentId: () => Promise<string>,
): Promise<void> {
  const ids = (await loggedModelIds(runDir)).filter((id) => state.models?.[id] === undefined);
  if (ids.length === 0) return;
  const sent = state.models ??= {};
  const local = source.loggedModels();
  const remote = target.loggedModels?.();
  for (const id of ids) {
    const model = await local.get(id);
    const created = await remote?.create(
      await remoteExperimentId(),
      state.remoteRunId,
      model.name,
      local.tagsOf(model),
    );
    if (created === undefined || remote === undefined) {
      sent[id] = ""; // no logged models there: the run's artifacts carry the model
      await save();
      continue;
    }
    try {
      const files = remote.files(created);
      const dir = localArtifactDir(model.artifactUri);
      for (const path of await listKeys(dir)) {
        const file = keyPath(dir, path);
        if (path === "MLmodel") {
          const text = retargetMlmodel(await readFile(file, "utf8"), {
            ...state,
            models: { ...sent, [id]: created.modelId },
          });
          await files.put(new TextEncoder().encode(text), path);
        } else await files.put(file, path);
      }
      await remote.linkToRun(state.remoteRunId, created.modelId, 0);
      await remote.finalize(created.modelId, model.status === "LOGGED_MODEL_READY");
    } catch (err) {
      await remote.finalize(created.modelId, false).catch(() => {});
      throw err;
    }
    sent[id] = created.modelId;
    report.models++;
    await save();
  }
}
