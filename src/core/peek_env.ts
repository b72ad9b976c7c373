/**
 * Reading one environment variable without asking for it: what the client's
 * constructor does for its fallbacks (`OIP_TRACKING_SERVER` and the like).
 *
 * @module
 */
import process from "node:process";

/**
 * A variable, when it can be read without asking: `undefined` when unset or
 * empty, or when Deno has not been given the permission to read it (it is not
 * prompted for: a client built with explicit options must not stop to ask).
 */
export function peekEnv(name: string): string | undefined {
  const deno = (globalThis as {
    Deno?: {
      permissions?: { querySync?(d: { name: "env"; variable: string }): { state: string } };
    };
  }).Deno;
  if (deno?.permissions?.querySync !== undefined) {
    try {
      if (deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
        return undefined;
      }
    } catch {
      return undefined;
    }
  }
  try {
    const value = process.env[name];
    return value === undefined || value === "" ? undefined : value;
  } catch {
    return undefined;
  }
}
