/**
 * HTTP to the tracking server: one `fetch` per attempt with a timeout, bearer
 * auth, retries by the {@linkcode RetryPolicy}, defensive parsing of every
 * answer and typed errors that never carry the API key.
 *
 * Why it is long: retries, timeouts (per request, per quiet server, per
 * stalled body), error mapping and credential scrubbing are one loop around
 * `fetch`; each part reads the others' state.
 *
 * @module
 */
import type { z } from "zod";
import {
  AlreadyExistsError,
  AuthError,
  NotFoundError,
  TrackingError,
  UnavailableError,
} from "../core/errors.ts";
import { describeNetworkFailure } from "./network_errors.ts";
import { classifyAnswer, type LoadObserver } from "./overload.ts";
import { Secrets } from "./secrets.ts";
import { sendsCredentials } from "./credentials.ts";
import { fetchFollowing } from "./redirects.ts";
import {
  backoffDelay,
  isRetryableStatus,
  parseRetryAfter,
  type RetryPolicy,
  sleep,
} from "./retry.ts";
import { MLFLOW_API_PREFIX, type RouteName, ROUTES } from "./routes.ts";
import { unrefTimer } from "../core/timers.ts";
import { userAgent } from "../core/version.ts";
import { streamingFetch } from "./streaming_fetch.ts";
import { errorBody } from "./schemas.ts";

/**
 * A `fetch`-compatible function.
 *
 * @example
 * ```ts
 * import type { FetchFn } from "@oicm/tracking";
 * const logged: FetchFn = (input, init) => { console.log(String(input)); return fetch(input, init); };
 * ```
 */
export type FetchFn = (input: Request | URL | string, init?: RequestInit) => Promise<Response>;

/** What the transport needs to know. */
export interface TransportConfig {
  /** The tracking URI requests go below; asked per request (OICM's workspace can change). */
  trackingUri: () => string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Extra headers on every request (e.g. `OIP-Workload-Id`). */
  headers?: Record<string, string>;
  /**
   * Origins besides the tracking URI's that get the API key and headers (a run's artifact
   * storage the user trusts); see `credentials.ts`.
   */
  credentialOrigins?: readonly string[];
  /** The fetch to use; the global one by default. */
  fetch?: FetchFn;
  /** Per-attempt timeout in ms. */
  timeoutMs: number;
  /** Retry policy. */
  retry: RetryPolicy;
  /** Told once when the server first fails to answer, and that retrying goes on. */
  notify?: (message: string) => void;
  /** Runs (and must succeed) before the first request: OICM's liveness and version check. */
  before?: () => Promise<unknown>;
  /**
   * Told after every attempt whether it met overload and how long it took (a
   * client's pacing). When set, overload is its to tell: `notify` is not.
   */
  onLoad?: LoadObserver;
}

/** What one exchange sends, and whether its answer is to be streamed. */
interface Exchange {
  body?: (touch: () => void) => BodyInit | undefined | Promise<BodyInit>;
  headers?: Record<string, string>;
  stream?: boolean;
  /** Only `headers`: no API key, no workspace headers (a storage URL the server handed out). */
  bare?: boolean;
  /** Another retry policy than the transport's (a run's creation retries on its own). */
  retry?: RetryPolicy;
}

/**
 * A 2xx answer whose body is still to be read: `progress()` after each part
 * read keeps it alive; with no progress for `timeoutMs`, the body errors (a
 * stalled download never hangs). `done()` once read.
 */
export interface OpenStream {
  body: ReadableStream<Uint8Array> | null;
  progress: () => void;
  done: () => void;
}

type Outcome =
  | { ok: true; text: string; response: Response; watch?: OpenStream }
  | {
    ok: false;
    error: TrackingError;
    retryable: boolean;
    retryAfterMs?: number;
    /** The server said "not now" (see `overload.ts`): retried, never a refusal. */
    overload?: boolean;
  };

/** What an attempt sent, for its load signal. */
interface Sent {
  /** The body's size (characters of a JSON body). */
  bytes?: number;
}

/** Sends MLflow REST requests. */
export class Transport {
  readonly #config: TransportConfig;
  readonly #headers: Record<string, string>;
  readonly #secrets = new Secrets();
  /** Whether the server is known to be failing (its first failure was told; a success resets). */
  #failing = false;
  /** When set (by `close()`): how long the server may go without answering before requests give up. */
  #quietLimitMs: number | undefined;
  /** When the server last answered (or the limit was set). */
  #answeredAt = 0;
  #watch: ReturnType<typeof setInterval> | undefined;
  /** Attempts waiting for an answer. */
  readonly #inFlight = new Set<AbortController>();

  constructor(config: TransportConfig) {
    this.#config = config;
    this.#headers = { "User-Agent": userAgent(), ...config.headers };
    if (config.apiKey) this.#headers["Authorization"] = `Bearer ${config.apiKey}`;
    this.#secrets.add(config.apiKey);
    for (const [name, value] of Object.entries(this.#headers)) {
      this.#secrets.addHeader(name, value);
    }
  }

  /** The tracking URI requests go below now. */
  get trackingUri(): string {
    return this.#config.trackingUri();
  }

  /** Whether a request to `url` carries the API key and headers (the rule in `credentials.ts`). */
  sendsCredentialsTo(url: string): boolean {
    return sendsCredentials(url, this.#config.trackingUri(), this.#config.credentialOrigins);
  }

  /** The retry policy requests follow. */
  get retryPolicy(): RetryPolicy {
    return this.#config.retry;
  }

  /**
   * Calls a route with a JSON payload (query string for GET) and validates the
   * answer; `retry` replaces the transport's policy for this call.
   */
  async call<S extends z.ZodType>(
    name: RouteName,
    payload: Record<string, unknown>,
    schema: S,
    retry?: RetryPolicy,
  ): Promise<z.output<S>> {
    const route = ROUTES[name];
    let url = this.#config.trackingUri() + MLFLOW_API_PREFIX + route.path;
    let body: string | undefined;
    if (route.method === "GET") {
      const query = new URLSearchParams();
      for (const [k, v] of Object.entries(payload)) if (v !== undefined) query.set(k, String(v));
      url += "?" + query.toString();
    } else body = JSON.stringify(payload);
    const { text } = await this.#exchange(route.path, route.method, url, {
      body: body === undefined ? undefined : () => body,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      retry,
    });
    return this.#parse(route.path, text, schema);
  }

  /**
   * GETs a URL of the server's own (not an MLflow route: OICM's run lookup,
   * `/liveness`, `/version`) with the same auth and retries, and validates
   * the JSON answer (an empty body reads as `{}`).
   */
  async getJson<S extends z.ZodType>(route: string, url: string, schema: S): Promise<z.output<S>> {
    return this.#parse(route, await this.send(route, "GET", url), schema);
  }

  /** POSTs a pre-encoded JSON body to a route; resolves when the server accepted it. */
  async post(name: RouteName, body: string): Promise<void> {
    const route = ROUTES[name];
    await this.send(
      route.path,
      "POST",
      this.#config.trackingUri() + MLFLOW_API_PREFIX + route.path,
      body,
    );
  }

  /**
   * Bounds waiting on a server that stopped answering: once it has answered
   * nothing for `quietMs` (from now, or from its last answer), no attempt
   * starts, no retry waits and no answer is awaited any longer; such a request
   * is an `UnavailableError` at once. A server that keeps answering is never
   * cut short. `close()` uses it; `undefined` lifts the bound.
   */
  giveUpAfterQuiet(quietMs: number | undefined): void {
    this.#quietLimitMs = quietMs;
    this.#answeredAt = Date.now();
    if (this.#watch !== undefined) clearInterval(this.#watch);
    this.#watch = undefined;
    if (quietMs === undefined) return;
    // Requests already waiting for an answer stop waiting then too.
    this.#watch = setInterval(() => {
      if (this.#quietTooLong()) { for (const controller of this.#inFlight) controller.abort(); }
    }, Math.max(10, Math.min(1000, quietMs / 4)));
    unrefTimer(this.#watch);
  }

  /** The time past which a quiet server is given up on, when bounded. */
  #deadline(): number | undefined {
    return this.#quietLimitMs === undefined ? undefined : this.#answeredAt + this.#quietLimitMs;
  }

  #quietTooLong(): boolean {
    const deadline = this.#deadline();
    return deadline !== undefined && Date.now() >= deadline;
  }

  /** Sends one request with retries and resolves to the body text of a 2xx answer. */
  async send(route: string, method: string, url: string, body?: string): Promise<string> {
    const { text } = await this.#exchange(route, method, url, {
      body: body === undefined ? undefined : () => body,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
    });
    return text;
  }

  /**
   * Sends a request whose body is made anew for each attempt (a file read
   * as a stream: it cannot be replayed), with retries. The body calls `touch`
   * as it goes: an upload times out after `timeoutMs` without progress, not
   * after `timeoutMs` in all. Resolves to the 2xx answer's text and headers.
   * With `bare`, only `headers` go (a presigned storage URL gets no API key).
   */
  async sendBody(
    route: string,
    method: string,
    url: string,
    body: (touch: () => void) => BodyInit | Promise<BodyInit>,
    headers: Record<string, string> = {},
    bare = false,
  ): Promise<{ text: string; headers: Headers }> {
    const { text, response } = await this.#exchange(route, method, url, { body, headers, bare });
    return { text, headers: response.headers };
  }

  /**
   * GETs a URL with retries until an answer starts, and resolves to the 2xx
   * answer with its body unread, to stream (a large artifact) while telling
   * of progress.
   */
  async openStream(route: string, url: string): Promise<OpenStream> {
    return (await this.#exchange(route, "GET", url, { stream: true })).watch!;
  }

  async #exchange(
    route: string,
    method: string,
    url: string,
    opts: Exchange,
  ): Promise<{ text: string; response: Response; watch?: OpenStream }> {
    const retry = opts.retry ?? this.#config.retry;
    if (this.#config.before !== undefined) await this.#config.before();
    const started = Date.now();
    for (let attempt = 1;; attempt++) {
      if (this.#quietTooLong()) {
        throw new UnavailableError(
          `${route}: ${hostOf(url)} answered nothing for ${this.#quietLimitMs} ms; ` +
            `close() stopped waiting for it`,
          { code: "CLOSE_TIMEOUT", route, attempts: attempt - 1 },
        );
      }
      const attemptedAt = Date.now();
      const sent: Sent = {};
      const outcome = await this.#attempt(route, method, url, opts, sent);
      const overload = !outcome.ok && outcome.overload === true;
      this.#config.onLoad?.({
        overloaded: overload,
        startedAt: attemptedAt,
        latencyMs: Date.now() - attemptedAt,
        route,
        ok: outcome.ok,
        bytes: sent.bytes,
        reason: overload ? outcome.error.message : undefined,
      });
      if (outcome.ok) {
        this.#failing = false;
        this.#answeredAt = Date.now();
        return { text: outcome.text, response: outcome.response, watch: outcome.watch };
      }
      const elapsed = Date.now() - started;
      const delay = backoffDelay(retry, attempt, outcome.retryAfterMs);
      const deadline = this.#deadline();
      const pastDeadline = deadline !== undefined && Date.now() + delay > deadline;
      if (
        !outcome.retryable || attempt > retry.maxRetries || elapsed + delay > retry.maxElapsedMs ||
        pastDeadline
      ) {
        if (!outcome.retryable) throw outcome.error;
        if (overload) {
          this.#config.onLoad?.({
            overloaded: true,
            startedAt: attemptedAt,
            latencyMs: 0,
            route,
            gaveUp: true,
          });
        }
        const e = outcome.error;
        throw new UnavailableError(
          `${route}: gave up after ${attempt} attempt(s) in ${elapsed} ms: ${e.message}`,
          { code: e.code, status: e.status, route, attempts: attempt, cause: e },
        );
      }
      // Overload is told once by the client's pacing (onLoad), not per request here.
      if (!this.#failing && !(overload && this.#config.onLoad !== undefined)) {
        this.#failing = true;
        const budget = Math.round(retry.maxElapsedMs / 1000);
        this.#config.notify?.(
          `${
            outcome.error.message.replace(/^[\w/-]+: /, "")
          }; retrying up to ${retry.maxRetries} ` +
            `time(s) within ${budget} s`,
        );
      }
      await sleep(delay);
    }
  }

  async #attempt(
    route: string,
    method: string,
    url: string,
    opts: Exchange,
    sent: Sent,
  ): Promise<Outcome> {
    const fetchFn = this.#config.fetch ?? globalThis.fetch;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const touch = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => controller.abort(), this.#config.timeoutMs);
    };
    touch();
    this.#inFlight.add(controller);
    let handedOver = false;
    try {
      // Each URL, the first and every redirect's, gets the headers the credentials rule allows it.
      const headersFor = (to: string): Record<string, string> =>
        opts.bare || !this.sendsCredentialsTo(to)
          ? { "User-Agent": this.#headers["User-Agent"], ...opts.headers }
          : { ...this.#headers, ...opts.headers };
      const body = await opts.body?.(touch);
      if (typeof body === "string") sent.bytes = body.length;
      const init: RequestInit & { duplex?: "half" } = { method, body, signal: controller.signal };
      if (body instanceof ReadableStream) init.duplex = "half"; // Node's fetch wants it for a stream
      // A streamed body (a large file) goes with its length over node:http, unless a fetch was given.
      const response = body instanceof ReadableStream && this.#config.fetch === undefined
        ? await streamingFetch(url, { ...init, headers: headersFor(url), body })
        : await fetchFollowing(url, init, { fetch: fetchFn, headersFor });
      if (response.ok && opts.stream) {
        // The caller reads the body; each part it reads re-arms the timer.
        handedOver = true;
        const done = () => {
          clearTimeout(timer);
          this.#inFlight.delete(controller);
        };
        return {
          ok: true,
          text: "",
          response,
          watch: { body: response.body, progress: touch, done },
        };
      }
      const text = await response.text();
      if (response.ok) return { ok: true, text, response };
      const error = this.#errorFromAnswer(route, url, response.status, response.statusText, text);
      const overload = classifyAnswer(response.status, error.code, text) === "overload";
      return {
        ok: false,
        error,
        retryable: overload || isRetryableStatus(response.status),
        retryAfterMs: parseRetryAfter(response.headers.get("Retry-After")),
        overload,
      };
    } catch (err) {
      return this.#networkFailure(route, url, err, controller.signal.aborted);
    } finally {
      if (!handedOver) {
        clearTimeout(timer);
        this.#inFlight.delete(controller);
      }
    }
  }

  #networkFailure(route: string, url: string, err: unknown, timedOut: boolean): Outcome {
    const name = err instanceof Error ? err.name : "";
    const message = this.#scrub(err instanceof Error ? err.message : String(err));
    const cause = this.#secrets.scrubError(err);
    if (name === "NotCapable" || name === "PermissionDenied") {
      // Deno without --allow-net: retrying cannot help; its message names the flag.
      return {
        ok: false,
        retryable: false,
        error: new TrackingError(`${route}: ${message}`, {
          code: "PERMISSION_DENIED",
          route,
          cause,
        }),
      };
    }
    const host = hostOf(url);
    if (timedOut) {
      return {
        ok: false,
        retryable: true,
        overload: this.#quietLimitMs === undefined,
        error: new TrackingError(
          `${route}: ${host} gave no answer within ${this.#config.timeoutMs} ms`,
          {
            code: "TIMEOUT",
            route,
            cause,
          },
        ),
      };
    }
    const { reason, retryable } = describeNetworkFailure(err);
    return {
      ok: false,
      retryable,
      // A dropped connection is a busy server's answer too; a refused one is a server that is down.
      overload: reason === "connection dropped",
      error: new TrackingError(`${route}: ${host} unreachable (${this.#scrub(reason)})`, {
        code: "NETWORK_ERROR",
        route,
        cause,
      }),
    };
  }

  #errorFromAnswer(
    route: string,
    url: string,
    status: number,
    statusText: string,
    text: string,
  ): TrackingError {
    let code: string | undefined;
    let message: string | undefined;
    try {
      const parsed = errorBody.safeParse(JSON.parse(text));
      if (parsed.success) ({ error_code: code, message } = parsed.data);
    } catch {
      // Not JSON: a proxy's HTML page or an empty body.
    }
    const fromMlflow = message !== undefined;
    if (message === undefined) {
      const snippet = text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim().slice(0, 200);
      message = `HTTP ${status} ${statusText}`.trim() + (snippet ? `: ${snippet}` : "");
    }
    code ??= defaultCode(status);
    if (status === 404 && (!fromMlflow || code === "ENDPOINT_NOT_FOUND")) {
      // Not MLflow saying a run is missing: nothing MLflow-shaped answers at this address.
      message += ` (no MLflow API at ${
        this.#scrub(url.split("?")[0])
      }: check apiHost; an OICM host ends in /api/tracking, an MLflow server is its tracking URI)`;
    }
    const init = { code, status, route };
    const full = `${route}: ${this.#scrub(message)}`;
    if (status === 401 || status === 403) return new AuthError(full, init);
    if (status === 404) return new NotFoundError(full, init);
    if (code === "RESOURCE_ALREADY_EXISTS" || status === 409) {
      return new AlreadyExistsError(full, init);
    }
    return new TrackingError(full, init);
  }

  #parse<S extends z.ZodType>(route: string, text: string, schema: S): z.output<S> {
    let json: unknown;
    try {
      json = text.trim() === "" ? {} : JSON.parse(text);
    } catch {
      throw new TrackingError(
        `${route}: the server's answer is not JSON: ${this.#scrub(text.slice(0, 120))}`,
        { code: "MALFORMED_RESPONSE", route },
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new TrackingError(
        `${route}: unexpected answer from the server at '${
          issue?.path.join(".")
        }': ${issue?.message}`,
        { code: "MALFORMED_RESPONSE", route },
      );
    }
    return parsed.data;
  }

  #scrub(text: string): string {
    return this.#secrets.scrub(text);
  }
}

/** `host:port` of a URL (the port the scheme implies when none is written). */
function hostOf(url: string): string {
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === "https:" ? "443" : "80");
    return `${u.hostname.includes(":") ? `[${u.hostname}]` : u.hostname}:${port}`;
  } catch {
    return "the server";
  }
}

function defaultCode(status: number): string {
  switch (status) {
    case 400:
      return "BAD_REQUEST";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "ENDPOINT_NOT_FOUND";
    case 408:
      return "REQUEST_TIMEOUT";
    case 409:
      return "RESOURCE_ALREADY_EXISTS";
    case 429:
      return "REQUEST_LIMIT_EXCEEDED";
    case 503:
      return "TEMPORARILY_UNAVAILABLE";
    default:
      return status >= 500 ? "INTERNAL_ERROR" : "HTTP_" + status;
  }
}
