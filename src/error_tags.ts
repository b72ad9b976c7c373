/**
 * The tags a run gets when the work it records throws: `error.type` and
 * `error.message`, cut to MLflow's limits, with credentials hidden.
 *
 * @module
 */
import { redactValue } from "./redact.ts";

/** `error.type` (the error's name) and `error.message` (at most 5000 characters, redacted). */
export function errorTags(err: unknown): Record<string, string> {
  const type = err instanceof Error ? err.name : typeof err;
  const message = err instanceof Error ? err.message : String(err);
  return {
    "error.type": type.slice(0, 250) || "Error",
    "error.message": [...redactValue(message)].slice(0, 5000).join(""),
  };
}
