/**
 * The tags a run gets when the work it records throws: `error.type` and
 * `error.message`, cut to MLflow's limits, with credentials hidden.
 *
 * @module
 */
import { redactValue } from "./redact.ts";

/**
 * The tags a run gets when the work it records throws: `error.type` (the
 * error's name, at most 250 characters) and `error.message` (at most 5000,
 * credentials hidden). `@tracked`, `withRun` and the integrations use them;
 * `scrub` also hides what the caller knows to be secret (`client.redactSecrets`).
 *
 * @example
 * ```ts
 * import { errorTags } from "@oicm/tracking";
 * console.log(errorTags(new RangeError("lr must be positive")));
 * // { "error.type": "RangeError", "error.message": "lr must be positive" }
 * ```
 */
export function errorTags(
  err: unknown,
  scrub: (text: string) => string = (text) => text,
): Record<string, string> {
  const type = err instanceof Error ? err.name : typeof err;
  const message = err instanceof Error ? err.message : String(err);
  return {
    "error.type": scrub(type).slice(0, 250) || "Error",
    "error.message": [...scrub(redactValue(message))].slice(0, 5000).join(""),
  };
}
