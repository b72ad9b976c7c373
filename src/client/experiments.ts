/**
 * Experiments by name: get or create (safe when processes race to create
 * the same name), refusing deleted ones, with the ids cached per client.
 *
 * @module
 */
import type { Backend } from "../core/backend.ts";
import { AlreadyExistsError, TrackingError } from "../core/errors.ts";
import type { Experiment } from "../core/types.ts";

/** Gets or creates experiments by name on one backend. */
export class ExperimentsByName {
  readonly #backend: Backend;
  readonly #ids = new Map<string, Promise<string>>();

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  /** The experiment of that name, created when absent (a lost create race is fine). */
  async getOrCreate(name: string): Promise<Experiment> {
    let experiment = await this.#backend.getExperimentByName(name);
    if (experiment === undefined) {
      try {
        await this.#backend.createExperiment(name, {});
      } catch (err) {
        if (!(err instanceof AlreadyExistsError)) throw err;
      }
      experiment = await this.#backend.getExperimentByName(name);
      if (experiment === undefined) {
        throw new TrackingError(`experiment '${name}' was created but cannot be read back`);
      }
    }
    if (experiment.lifecycleStage === "deleted") {
      throw new TrackingError(
        `experiment '${name}' has been deleted; restore it on the server or choose another name`,
        { code: "INVALID_STATE" },
      );
    }
    return experiment;
  }

  /** The id of the experiment of that name, got or created once. */
  idFor(name: string): Promise<string> {
    let id = this.#ids.get(name);
    if (id === undefined) {
      id = this.getOrCreate(name).then((e) => e.experimentId);
      this.#ids.set(name, id);
      id.catch(() => this.#ids.delete(name));
    }
    return id;
  }
}
