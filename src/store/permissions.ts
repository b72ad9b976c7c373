/**
 * Deno's permission errors as this package's errors: a missing `--allow-*`
 * flag becomes a {@linkcode TrackingError} with code `PERMISSION_DENIED`
 * whose message names the flag to add (Deno's own message does).
 *
 * @module
 */
import type { Backend } from "../core/backend.ts";
import { TrackingError } from "../core/errors.ts";

/** Whether an error is Deno's "this needs a permission flag". */
export function isPermissionError(err: unknown): err is Error {
  return err instanceof Error && (err.name === "NotCapable" || err.name === "PermissionDenied");
}

/** Deno's permission error as a TrackingError (other errors pass through). */
export function permissionError(err: unknown, what: string): unknown {
  if (!isPermissionError(err)) return err;
  const flag = /--allow-[a-z]+/.exec(err.message)?.[0];
  return new TrackingError(
    `${what}: ${err.message}` + (flag && !err.message.includes(flag) ? ` (add ${flag})` : ""),
    { code: "PERMISSION_DENIED", cause: err },
  );
}

/**
 * Wraps every method of a backend so permission errors come out as
 * TrackingErrors; synchronous methods stay synchronous.
 */
export function withPermissionErrors<B extends Backend>(backend: B, what: string): B {
  return new Proxy(backend, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        let result: unknown;
        try {
          result = value.apply(target, args);
        } catch (err) {
          throw permissionError(err, what);
        }
        if (result instanceof Promise) {
          return result.catch((err) => Promise.reject(permissionError(err, what)));
        }
        return result;
      };
    },
  });
}
