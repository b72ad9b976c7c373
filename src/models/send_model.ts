/**
 * A model folder sent to where its run lives: always into the run's artifacts
 * under its `artifactPath` (what `runs:/<run>/<path>` loads on every server
 * and what a sync carries), and, on a server with MLflow 3's logged models,
 * also recorded as a logged model of the run, with its files in the logged
 * model's own location (`models:/<id>`, the UI's Models tab), as MLflow 3's
 * `log_model` stores them. When that server is out of reach at the call, the
 * files still go (the spool keeps them) and the logged model is given up.
 *
 * @module
 */
import type { Backend, LoggedModelRecord } from "../core/backend.ts";
import { UnavailableError } from "../core/errors.ts";
import { type LoggedModelInfo, modelFolder, type ModelToLog } from "./model_folder.ts";

/** Sends a checked model of run `runId`; resolves to where it is. */
export async function sendModel(
  backend: Backend,
  runId: string,
  model: ModelToLog & { artifactPath: string },
): Promise<LoggedModelInfo> {
  const path = model.artifactPath;
  const models = backend.loggedModels?.();
  let record: LoggedModelRecord | undefined;
  if (models !== undefined) {
    try {
      const run = await backend.getRun(runId);
      record = await models.create(run.info.experimentId, runId, path, {
        "mlflow.source.type": "LOCAL",
        ...(run.data.tags["mlflow.source.name"] !== undefined
          ? { "mlflow.source.name": run.data.tags["mlflow.source.name"] }
          : {}),
      });
    } catch (err) {
      // A server out of reach: the files still go to the run's artifacts (which wait in the
      // spool), where runs:/ finds them; the logged model is what is given up.
      if (!(err instanceof UnavailableError)) throw err;
    }
  }
  const files = modelFolder(model, { runId, modelId: record?.modelId });
  try {
    for (const file of files) {
      await backend.logArtifact(runId, file.source, `${path}/${file.path}`);
    }
    if (record !== undefined && models !== undefined) {
      await models.linkToRun(runId, record.modelId, 0);
      const repo = models.files(record);
      for (const file of files) await repo.put(file.source, file.path);
      await models.finalize(record.modelId, true);
    }
  } catch (err) {
    if (record !== undefined) await models?.finalize(record.modelId, false).catch(() => {});
    throw err;
  }
  const info: LoggedModelInfo = {
    runId,
    artifactPath: path,
    modelUri: `runs:/${runId}/${path}`,
    flavors: Object.keys(model.flavors),
  };
  if (record !== undefined) info.modelId = record.modelId;
  return info;
}
