/**
 * The names `@tracked` gives runs it was not given a name for: the method's
 * name with a short random part, distinct among the runs of this process.
 *
 * @module
 */

/** The default names given in this process, so that each is new. */
const givenNames = new Set<string>();

/**
 * `base` with a short random part (`Trainer.train-3f9a`), as MLflow makes up
 * names for unnamed runs: distinct among the runs of this process, and still
 * saying what ran.
 *
 * @example
 * ```ts ignore
 * uniqueRunName("Trainer.train"); // "Trainer.train-3f9a"
 * ```
 */
export function uniqueRunName(base: string): string {
  for (let digits = 4;; digits++) {
    for (let attempt = 0; attempt < 16; attempt++) {
      const part = Array.from(
        crypto.getRandomValues(new Uint8Array(Math.ceil(digits / 2))),
        (b) => b.toString(16).padStart(2, "0"),
      ).join("").slice(0, digits);
      const name = `${base}-${part}`;
      if (!givenNames.has(name)) {
        givenNames.add(name);
        return name;
      }
    }
  }
}
