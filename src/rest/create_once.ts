/**
 * A run is created once, even when the answer to `runs/create` is lost. A
 * busy server may create the run and time out before it answers, or drop the
 * connection; sending the request again would make a second run. So each
 * creation carries a tag of the client's own ({@linkcode CLIENT_REQUEST_TAG},
 * a fresh UUID), is sent without the transport's own retries, and after a
 * lost answer (a timeout, a dropped connection, a gateway's 502 or 504) the
 * run is first searched for by that tag: found, it is the run; not found (or
 * after the server's own overload answer, which made nothing), creating is
 * tried again after a backoff, within the retry policy's budget. A refusal (a 4xx that is not
 * overload) is thrown at once.
 *
 * @module
 */
import { UnavailableError } from "../core/errors.ts";
import type { RunRecord } from "../core/types.ts";
import { backoffDelay, type RetryPolicy, sleep } from "../http/retry.ts";

/** The tag that names one `runs/create` request of this client. */
export const CLIENT_REQUEST_TAG = "oicm.client_request_id";

/** How to create a run (one attempt, by `once`) and to find it by its request tag. */
export interface CreateOnce {
  /** The retry policy whose budget the creation keeps. */
  policy: RetryPolicy;
  /** Sends `runs/create` with the tag's value `requestId`, following `once` (no retries). */
  create: (requestId: string, once: RetryPolicy) => Promise<RunRecord>;
  /** The run that carries `requestId`, if the server has one. */
  find: (requestId: string) => Promise<RunRecord | undefined>;
}

/** A search filter for the run a request created. */
export function requestFilter(requestId: string): string {
  return `tags.\`${CLIENT_REQUEST_TAG}\` = '${requestId}'`;
}

/**
 * Creates a run exactly once through overload and lost answers.
 */
export async function createRunOnce(how: CreateOnce): Promise<RunRecord> {
  const requestId = crypto.randomUUID();
  const { policy } = how;
  const once: RetryPolicy = { ...policy, maxRetries: 0 };
  const started = Date.now();
  // After a failure the run may exist (its answer lost): it is looked for before creating again,
  // and while the server cannot even answer the search, nothing is created.
  let look = false;
  for (let attempt = 1;; attempt++) {
    let failure: UnavailableError;
    try {
      if (look) {
        const found = await how.find(requestId);
        if (found !== undefined) return found;
        look = false;
      }
      return await how.create(requestId, once);
    } catch (err) {
      if (!(err instanceof UnavailableError)) throw err; // refused as it is, or no permission
      failure = err;
      // A server that answered "not now" itself made nothing (MLflow rolls the transaction back);
      // without an answer, or from a gateway (502, 504), the run may exist.
      look = look || failure.status === undefined || failure.status === 502 ||
        failure.status === 504;
    }
    const elapsed = Date.now() - started;
    const delay = backoffDelay(policy, attempt);
    if (attempt > policy.maxRetries || elapsed + delay > policy.maxElapsedMs) {
      throw new UnavailableError(
        `runs/create: gave up after ${attempt} attempt(s) in ${elapsed} ms: ` +
          failure.message.replace(/^[\w/-]+: gave up after \d+ attempt\(s\) in \d+ ms: /, ""),
        { code: failure.code, status: failure.status, route: "runs/create", attempts: attempt },
      );
    }
    await sleep(delay);
  }
}
