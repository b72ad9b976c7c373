/**
 * `loadModel`: a model URI resolved as MLflow's loaders resolve it, its folder
 * downloaded, its `MLmodel` read and its flavor checked before the caller
 * touches the files.
 *
 * `runs:/<run>/<path>` is the folder in the run's artifacts, or (MLflow 3,
 * where `log_model` keeps the files in a logged model) the logged model the
 * run logged under that name; `models:/<id>` is the logged model itself.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Backend, FileRepo } from "../core/backend.ts";
import { NotFoundError, ValidationError } from "../core/errors.ts";
import type { ArtifactEntry } from "../core/types.ts";
import { type MlModel, MLMODEL_FILE, parseMlmodel } from "./mlmodel.ts";
import { parseModelUri } from "./model_uri.ts";
import { pathInside } from "../artifacts/inside_folder.ts";
import { checkArtifactFile, checkListedPath } from "../artifacts/paths.ts";

/**
 * A model downloaded by `client.loadModel`: its folder, its `MLmodel`, and the
 * file its flavor names (the `.onnx` for `InferenceSession.create`, the tfjs
 * `model.json`).
 *
 * @example
 * ```ts ignore
 * const model = await client.loadModel(`runs:/${runId}/model`, { flavor: "onnx" });
 * const session = await ort.InferenceSession.create(model.dataPath);
 * ```
 */
export interface LoadedModel {
  /** The URI loaded. */
  uri: string;
  /** The local folder holding the model's files. */
  folder: string;
  /** Its `MLmodel`, read. */
  mlmodel: MlModel;
  /** The flavor checked (the one asked for, else the first that is not `python_function`). */
  flavor: string;
  /** The local path of the file (or folder) the flavor's `data` names, when it names one. */
  dataPath?: string;
}

/** How loading reaches files: a run's artifacts, or a tree of one place. */
type Tree = Pick<FileRepo, "list" | "get">;

/**
 * Downloads `path` of `tree` (all of it when undefined) into `dst`. The listing
 * is not trusted: every listed path passes the rule artifact paths pass and
 * lies below the folder listed, and every file's real path stays inside `dst`,
 * all checked before the first file is written (as `downloadArtifacts` does).
 * `check` runs once `MLmodel` is there, before the other files are fetched.
 */
async function download<T>(
  tree: Tree,
  path: string | undefined,
  dst: string,
  uri: string,
  check: () => T,
): Promise<T> {
  const what = `the listing of ${uri}`;
  const files: string[] = [];
  const walk = async (under: string | undefined, list: ArtifactEntry[]): Promise<void> => {
    for (const entry of list) {
      const listed = checkListedPath(what, entry.path, under);
      if (entry.isDir) await walk(listed, await tree.list(listed));
      else files.push(listed);
    }
  };
  await walk(path, await tree.list(path));
  const local = (file: string): string =>
    pathInside(dst, path === undefined ? file : file.slice(path.length + 1));
  for (const file of files) local(file); // every target, before any write
  // MLmodel first: a folder that is no model, or not of the flavor asked for, is told
  // before the rest of it is fetched.
  const mlmodel = path === undefined ? MLMODEL_FILE : `${path}/${MLMODEL_FILE}`;
  if (files.includes(mlmodel)) await tree.get(mlmodel, local(mlmodel));
  const checked = check();
  for (const file of files) if (file !== mlmodel) await tree.get(file, local(file));
  return checked;
}

/** The local path of the file a flavor's `data` names: inside the model's folder. */
function dataPathOf(uri: string, dst: string, data: string): string {
  try {
    const checked = checkArtifactFile(`${uri}/MLmodel names the data file`, data);
    return pathInside(dst, checked);
  } catch (err) {
    throw new ValidationError((err as Error).message, { code: "UNSAFE_ARTIFACT_PATH" });
  }
}

function runTree(backend: Backend, runId: string): Tree {
  return {
    list: (p) => backend.listArtifacts(runId, p),
    get: (p, dst) => backend.downloadArtifact(runId, p, dst),
  };
}

/** Downloads the model at `uri` into `dst` and checks its flavor. */
export async function loadModelInto(
  backend: Backend,
  uri: string,
  dst: string,
  flavor?: string,
): Promise<LoadedModel> {
  const parsed = parseModelUri(uri);
  let tree: Tree;
  let below: string | undefined;
  if (parsed.kind === "run") {
    const inRun = await backend.listArtifacts(parsed.runId, parsed.path);
    if (inRun.some((e) => e.path === `${parsed.path}/${MLMODEL_FILE}`)) {
      tree = runTree(backend, parsed.runId);
      below = parsed.path;
    } else {
      // MLflow 3 keeps a model's files in its logged model: `runs:/` finds it by run and name.
      const [name, ...rest] = parsed.path.split("/");
      const models = backend.loggedModels?.();
      const run = models && await backend.getRun(parsed.runId);
      const found = run && await models!.find(run.info.experimentId, parsed.runId, name);
      if (found === undefined || models === undefined) {
        throw new NotFoundError(
          `${uri}: no MLmodel at '${parsed.path}' of run ${parsed.runId}` +
            (inRun.length > 0 ? ` (it holds ${inRun.map((e) => e.path).join(", ")})` : ""),
          { code: "RESOURCE_DOES_NOT_EXIST" },
        );
      }
      tree = models.files(found);
      below = rest.length > 0 ? rest.join("/") : undefined;
    }
  } else {
    const models = backend.loggedModels?.();
    if (models === undefined) {
      throw new ValidationError(
        `${uri}: this server keeps no logged models (models:/ needs MLflow 3); use runs:/<run_id>/<path>`,
      );
    }
    tree = models.files(await models.get(parsed.modelId));
  }
  const { mlmodel, chosen } = await download(tree, below, dst, uri, () => {
    let text: string;
    try {
      text = readFileSync(join(dst, MLMODEL_FILE), "utf8");
    } catch {
      throw new ValidationError(`${uri} is not an MLflow model: it has no MLmodel file`);
    }
    const mlmodel = parseMlmodel(text, `${uri}/MLmodel`);
    const names = Object.keys(mlmodel.flavors);
    const chosen = flavor ?? names.find((n) => n !== "python_function") ?? names[0];
    if (!names.includes(chosen)) {
      throw new ValidationError(
        `${uri} is not a '${chosen}' model: its MLmodel has the flavors ${names.join(", ")}`,
      );
    }
    return { mlmodel, chosen };
  });
  const out: LoadedModel = { uri, folder: dst, mlmodel, flavor: chosen };
  const data = mlmodel.flavors[chosen]?.data;
  if (typeof data === "string") out.dataPath = dataPathOf(uri, dst, data);
  return out;
}
