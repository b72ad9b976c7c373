/**
 * A JSON request's body read with a cap, as a server must: a body that says
 * (`Content-Length`) or turns out to be over the cap is refused with the bytes
 * past the cap never read, so a 200 MB body costs the fake 1 MB, not 200.
 *
 * @module
 */
import { MLFLOW_LIMITS } from "./rules.ts";
import { MlflowFault } from "./wire.ts";

/** The body's bytes, or undefined when it holds more than `limit` (the rest is left unread). */
export async function readCapped(
  request: Request,
  limit: number,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const declared = Number(request.headers.get("content-length") ?? "");
  if (declared > limit) return undefined;
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel("over the size limit").catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

/**
 * The answer to a body over the cap: MLflow's own 400 for `runs/log-batch`
 * (its words, from `_validate_batch_log_api_req`), a 413 for any other route.
 */
export function tooLarge(route: string | undefined, request: Request): MlflowFault {
  const limit = MLFLOW_LIMITS.requestBytes;
  const declared = request.headers.get("content-length");
  const size = declared !== null ? declared : `more than ${limit}`;
  if (route === "runs/log-batch") {
    return new MlflowFault(
      400,
      "INVALID_PARAMETER_VALUE",
      `Batched logging API requests must be at most ${limit} bytes, got a request of size ${size}.`,
    );
  }
  return new MlflowFault(
    413,
    "BAD_REQUEST",
    `Request body of ${size} bytes is over ${limit} bytes, the limit of one MLflow API request`,
  );
}
