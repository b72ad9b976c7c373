/**
 * The model URIs MLflow's loaders take: `runs:/<run_id>/<path>` (a model
 * logged by a run) and `models:/<model_id>` (an MLflow 3 logged model).
 * Registry URIs (`models:/<name>/<version>`, `@alias`) are named as such.
 *
 * @module
 */
import { ValidationError } from "../core/errors.ts";
import { checkArtifactPath } from "../artifacts/paths.ts";

/** A model URI, parsed. */
export type ModelUri =
  | { kind: "run"; runId: string; path: string }
  | { kind: "logged"; modelId: string };

/** Parses a model URI; a `ValidationError` names what it takes otherwise. */
export function parseModelUri(uri: string): ModelUri {
  const takes = "give runs:/<run_id>/<path> or models:/<model_id>";
  if (typeof uri !== "string") throw new ValidationError(`loadModel: ${takes}`);
  const runs = /^runs:\/+([^/]+)\/(.+?)\/*$/.exec(uri);
  if (runs) {
    // The rule every artifact path passes: no '..', not absolute, no NUL, a backslash is a '/'.
    const path = checkArtifactPath(`loadModel: the path of '${uri}'`, runs[2]);
    if (path !== undefined) return { kind: "run", runId: runs[1], path };
  }
  const models = /^models:\/+([^/]+)\/*$/.exec(uri);
  if (models && !models[1].includes("@")) return { kind: "logged", modelId: models[1] };
  if (/^models:\//.test(uri)) {
    throw new ValidationError(
      `loadModel: '${uri}' names a registered model (name/version or @alias), which this ` +
        `client does not resolve; ${takes}`,
    );
  }
  throw new ValidationError(`loadModel: '${uri}' is not a model URI; ${takes}`);
}
