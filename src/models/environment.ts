/**
 * The environment files MLflow writes beside a model so that `mlflow models
 * serve` (and `pyfunc.load_model`'s dependency check) can rebuild it:
 * `requirements.txt`, `python_env.yaml`, `conda.yaml`.
 *
 * @module
 */

/** The Python these files ask for when none is given (one MLflow 3 supports). */
export const DEFAULT_PYTHON = "3.11";

/** The three files, by name, for pip requirements (`mlflow` comes first). */
export function environmentFiles(
  requirements: readonly string[],
  python: string = DEFAULT_PYTHON,
): Record<string, string> {
  const pip = ["mlflow", ...requirements.filter((r) => !/^mlflow\b(?![-_])/.test(r))];
  const lines = (items: string[], indent: string) => items.map((r) => `${indent}- ${r}\n`).join("");
  return {
    "requirements.txt": pip.join("\n") + "\n",
    "python_env.yaml": `python: ${python}\nbuild_dependencies:\n- pip\n- setuptools\n- wheel\n` +
      `dependencies:\n- -r requirements.txt\n`,
    "conda.yaml": `channels:\n- conda-forge\ndependencies:\n- python=${python}\n- pip\n- pip:\n` +
      lines(pip, "  ") + `name: mlflow-env\n`,
  };
}
