/**
 * {@linkcode FakeMlflowServer}: an in-process Hono app that speaks the MLflow
 * REST API (plain and OICM workspace-scoped routes) from memory, with MLflow's
 * validation and error codes, bearer-key checking and fault injection. Use it
 * as a `fetch` function (no socket) or on a loopback port.
 *
 * Why it is long: it is the fake's routing (plain, OICM workspace, artifact
 * service), recording and fault injection in one request path; the answers
 * live in `store.ts` and `artifact_routes.ts`.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { MLFLOW_API_PREFIX, type RouteName, ROUTES } from "../http/routes.ts";
import { join } from "node:path";
import { artifactApi, PART_PATH, partUpload, type Uploads } from "./artifact_routes.ts";
import { FakeArtifactStore } from "./artifact_store.ts";
import { Faults, poolTimeoutBody } from "./faults.ts";
import { listen, type Listening } from "./listen.ts";
import { loggedModelApi } from "./logged_models.ts";
import { OICM_MLFLOW_ROUTES, oicmRuns } from "./oicm.ts";
import { readCapped, tooLarge } from "./request_body.ts";
import { checkWorkspaceId, MLFLOW_LIMITS } from "./rules.ts";
import { FakeStore, MlflowFault } from "./store.ts";

/**
 * Options of a {@linkcode FakeMlflowServer}.
 *
 * @example
 * ```ts
 * import type { FakeServerOptions } from "@oicm/tracking/testing";
 * const opts: FakeServerOptions = { apiKey: "test-key", workspaces: ["ws-1"] };
 * ```
 */
export interface FakeServerOptions {
  /** When set, every request must carry `Authorization: Bearer <apiKey>` (else 401). */
  apiKey?: string;
  /** OICM workspaces that exist; others answer 404. Any workspace exists when unset. */
  workspaces?: string[];
  /** What `GET /api/tracking/version` answers. Default `1.13.0`. */
  version?: string;
  /** Keep every request in `requests` (default true; benchmarks sending millions turn it off). */
  recordRequests?: boolean;
  /**
   * Serve only what OICM Tracking serves to its Python v2 client: the workspace-scoped MLflow
   * routes behind that client's allow-list and `log-batch`, OICM's run lookup by name, and
   * `/liveness` and `/version`; no plain `/api/2.0/mlflow` routes, no `runs/search`,
   * `experiments/search` or `metrics/get-history` (they answer 404). Default false: everything.
   */
  oicm?: boolean;
  /**
   * Keep artifact files in this folder (one subfolder per workspace) rather than in memory:
   * for files of gigabytes. Default: in memory.
   */
  artifactsDir?: string;
  /** Serve MLflow 3's logged models (`/logged-models`, `runs/outputs`). Default true; false acts as an older MLflow. */
  loggedModels?: boolean;
}

/**
 * One request the fake server received.
 *
 * @example
 * ```ts
 * import type { RecordedRequest } from "@oicm/tracking/testing";
 * const isBatch = (r: RecordedRequest) => r.route === "runs/log-batch";
 * ```
 */
export interface RecordedRequest {
  /** HTTP method. */
  method: string;
  /**
   * The MLflow route below `/api/2.0/mlflow/` (`runs/log-batch`), `oicm:experiments/runs` for
   * OICM's run lookup, or the path below `/api/tracking/` (`liveness`, `version`).
   */
  route?: string;
  /** The OICM workspace in the path, when there is one. */
  workspace?: string;
  /** Request headers, lower-cased. */
  headers: Record<string, string>;
  /** The parsed JSON body (or query, for GET). */
  body: Record<string, unknown>;
}

type Vars = { Variables: { store: FakeStore; workspace?: string } };

const OICM_PATH =
  /^\/api\/tracking\/v1\/workspaces\/([^/]+)\/mlflow(\/api\/2\.0\/mlflow(?:-artifacts)?(?:\/.*)?)$/;
const OICM_RUNS_PATH = /^\/api\/tracking\/v2\/workspaces\/([^/]+)\/experiments\/[^/]+\/runs$/;
/** The MLflow version the fake answers `/version` with (the one its behaviour follows). */
const MLFLOW_VERSION = "3.17.2";
/** Where MLflow's artifact service lives. */
const ARTIFACTS_PREFIX = "/api/2.0/mlflow-artifacts";

/**
 * How requests to the artifact service are named in `requests`, by `count()` and for faults:
 * `artifacts:put`, `artifacts:get`, `artifacts:list`, `mpu:create`, `mpu:part`, `mpu:complete`.
 */
function artifactRoute(method: string, path: string): string {
  if (path.startsWith(PART_PATH)) return "mpu:part";
  const rest = path.slice(ARTIFACTS_PREFIX.length);
  if (rest.startsWith("/mpu/create")) return "mpu:create";
  if (rest.startsWith("/mpu/complete")) return "mpu:complete";
  if (method === "PUT") return "artifacts:put";
  return rest === "/artifacts" || rest === "/artifacts/" ? "artifacts:list" : "artifacts:get";
}

/** How requests to OICM's run lookup are named in `requests` and by `count()`. */
const OICM_RUNS_ROUTE = "oicm:experiments/runs";

/**
 * A fake MLflow tracking server in memory.
 *
 * @example Test training code without a server
 * ```ts
 * import { TrackingClient } from "@oicm/tracking";
 * import { FakeMlflowServer } from "@oicm/tracking/testing";
 *
 * const server = new FakeMlflowServer();
 * const client = new TrackingClient({ apiHost: "http://fake", fetch: server.fetch });
 * await client.withRun({ runName: "unit" }, (run) => run.logMetric("loss", 0.1));
 * console.log(server.requests.filter((r) => r.route === "runs/log-batch").length); // 1
 * await client.close();
 * ```
 *
 * @example On a loopback port
 * ```ts
 * import { FakeMlflowServer } from "@oicm/tracking/testing";
 * const server = new FakeMlflowServer();
 * const { url } = await server.listen(); // e.g. http://127.0.0.1:41234
 * console.log(url);
 * await server.close();
 * ```
 */
export class FakeMlflowServer {
  readonly #app: Hono<Vars>;
  /** Fault injection: failures, latency and dropped connections for the next requests. */
  readonly faults: Faults = new Faults();
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[] = [];
  readonly #options: FakeServerOptions;
  readonly #stores = new Map<string, FakeStore>();
  readonly #uploads: Uploads = new Map();
  #listening: Listening | undefined;

  /** Builds an empty server (with MLflow's Default experiment `0`). */
  constructor(options: FakeServerOptions = {}) {
    this.#options = options;
    this.#app = this.#buildApp();
  }

  /**
   * The store of a workspace (or of the plain MLflow routes when omitted),
   * to inspect what was recorded.
   */
  store(workspace?: string): FakeStore {
    const key = workspace === undefined ? "" : checkWorkspaceId(workspace);
    let store = this.#stores.get(key);
    if (store === undefined) {
      const dir = this.#options.artifactsDir;
      store = new FakeStore(
        new FakeArtifactStore(dir === undefined ? undefined : join(dir, key === "" ? "_" : key)),
      );
      this.#stores.set(key, store);
    }
    return store;
  }

  /** How many requests were made to an MLflow route such as `runs/log-batch`. */
  count(route: string): number {
    return this.requests.filter((r) => r.route === route).length;
  }

  /**
   * A `fetch` function served by this server with no socket: pass it as the
   * client's `fetch` option. A dropped connection rejects with a `TypeError`,
   * as `fetch` does.
   */
  readonly fetch = async (input: Request | URL | string, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const signal = request.signal;
    const answer = this.handle(request);
    const outcome = await (signal
      ? Promise.race([
        answer,
        new Promise<never>((_, reject) => {
          if (signal.aborted) reject(signal.reason);
          signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        }),
      ])
      : answer);
    if (outcome === "drop") throw new TypeError("fake server dropped the connection");
    return outcome;
  };

  /**
   * Answers one request, after faults; `"drop"` means close the connection unanswered.
   * A JSON body (every `POST`) over MLflow's 1 MB is refused before more of it is read.
   */
  async handle(request: Request): Promise<Response | "drop"> {
    const url = new URL(request.url);
    const oicm = OICM_PATH.exec(url.pathname);
    const mlflowPath = oicm ? oicm[2] : url.pathname;
    const lookup = OICM_RUNS_PATH.exec(url.pathname);
    const route = mlflowPath.startsWith(MLFLOW_API_PREFIX)
      ? mlflowPath.slice(MLFLOW_API_PREFIX.length)
      : mlflowPath.startsWith(ARTIFACTS_PREFIX) || url.pathname.startsWith(PART_PATH)
      ? artifactRoute(request.method, mlflowPath)
      : lookup
      ? OICM_RUNS_ROUTE
      : url.pathname.startsWith("/api/tracking/")
      ? url.pathname.slice("/api/tracking/".length)
      : undefined;
    let bytes: Uint8Array<ArrayBuffer> | undefined;
    if (request.method === "POST") {
      bytes = await readCapped(request, MLFLOW_LIMITS.requestBytes);
      if (bytes !== undefined) {
        request = new Request(request.url, {
          method: request.method,
          headers: request.headers,
          body: bytes,
          signal: request.signal,
        });
      }
    }
    if (this.#options.recordRequests !== false) {
      const headers: Record<string, string> = {};
      request.headers.forEach((v, k) => headers[k] = v);
      let body: Record<string, unknown> = Object.fromEntries(url.searchParams);
      if (request.method === "POST") {
        try {
          body = JSON.parse(new TextDecoder().decode(bytes));
        } catch {
          body = {};
        }
      }
      const raw = oicm?.[1] ?? lookup?.[1];
      let workspace = raw;
      try {
        workspace = raw === undefined ? undefined : decodeURIComponent(raw); // once, as routing does
      } catch {
        // not percent-encoding: kept as sent
      }
      this.requests.push({ method: request.method, route, workspace, headers, body });
    }
    if (request.method === "POST" && bytes === undefined) {
      const fault = tooLarge(route, request);
      return jsonError(fault.status, fault.code, fault.message);
    }
    // The pool serves MLflow API requests (its database work), as MLflow's SQL store does.
    const slot = route !== undefined && mlflowPath.startsWith(MLFLOW_API_PREFIX)
      ? await this.faults.acquire()
      : undefined;
    if (slot === "timeout") {
      const { size, waitMs } = this.faults.poolOptions!;
      return new Response(poolTimeoutBody(size, waitMs), {
        status: 400,
        headers: { "Content-Type": "application/json" },
      });
    }
    try {
      return await this.#faulted(request, route);
    } finally {
      slot?.();
    }
  }

  async #faulted(request: Request, route: string | undefined): Promise<Response | "drop"> {
    if (this.faults.latencyMs > 0) {
      await new Promise((r) => setTimeout(r, this.faults.latencyMs));
    }
    const fault = this.faults.take(route);
    if (fault?.kind === "drop") return "drop";
    if (fault?.kind === "hang") return await new Promise<never>(() => {});
    if (fault?.kind === "fail") {
      const h = new Headers({ "Content-Type": "application/json" });
      if (fault.options.retryAfter !== undefined) h.set("Retry-After", fault.options.retryAfter);
      const text = fault.options.body ?? JSON.stringify({
        error_code: fault.status === 429
          ? "REQUEST_LIMIT_EXCEEDED"
          : fault.status >= 500
          ? "TEMPORARILY_UNAVAILABLE"
          : "BAD_REQUEST",
        message: `injected failure (${fault.status})`,
      });
      if (fault.options.body !== undefined) h.set("Content-Type", "text/html");
      return new Response(text, { status: fault.status, headers: h });
    }
    return await this.#app.fetch(request);
  }

  /** Serves on a loopback port (0 picks a free one) until {@linkcode close}. */
  async listen(options: { port?: number; hostname?: string } = {}): Promise<Listening> {
    if (this.#listening) return this.#listening;
    this.#listening = await listen(this, options.hostname ?? "127.0.0.1", options.port ?? 0);
    return this.#listening;
  }

  /** Stops listening (if it was) and closes every open connection. */
  async close(): Promise<void> {
    const l = this.#listening;
    this.#listening = undefined;
    await l?.close();
  }

  #buildApp(): Hono<Vars> {
    const app = new Hono<Vars>();
    const api = new Hono<Vars>();
    const oicmOnly = this.#options.oicm === true;
    for (const [name, route] of Object.entries(ROUTES)) {
      if (oicmOnly && !OICM_MLFLOW_ROUTES.has(name as RouteName)) continue;
      api.on(route.method, "/" + route.path, async (c) => {
        const body = route.method === "GET" ? c.req.query() : await c.req.json().catch(() => {
          throw new MlflowFault(400, "BAD_REQUEST", "Request body is not valid JSON");
        });
        if (body === null || typeof body !== "object" || Array.isArray(body)) {
          throw new MlflowFault(
            400,
            "INVALID_PARAMETER_VALUE",
            `Request body must be a JSON object, got ${JSON.stringify(body).slice(0, 40)}`,
          );
        }
        const store = c.get("store") as unknown as Record<RouteName, (b: unknown) => unknown>;
        return c.json(store[name as RouteName](body) as Record<string, unknown>);
      });
    }
    // Open routes, before the key check: the route the router matched decides, not a suffix.
    // The liveness probe; a part goes to storage with the URL's own credential.
    app.get("/api/tracking/liveness", (c) => c.json({ status: "ok" }));
    app.route("/", partUpload(this.#uploads));
    app.use("*", async (c, next) => {
      const key = this.#options.apiKey;
      if (key !== undefined) {
        const auth = c.req.header("Authorization");
        if (auth !== `Bearer ${key}`) {
          throw new MlflowFault(
            401,
            "UNAUTHENTICATED",
            auth ? "Invalid API key" : "Missing Authorization header",
          );
        }
      }
      await next();
    });
    const plain = async (c: Context<Vars>, next: () => Promise<void>) => {
      c.set("store", this.store());
      await next();
    };
    app.use("/api/2.0/mlflow/*", plain);
    app.use(`${ARTIFACTS_PREFIX}/*`, plain);
    const workspace = async (c: Context<Vars>, next: () => Promise<void>) => {
      // Decoded once, by the router; then it must be a workspace id (it names a folder).
      const ws = checkWorkspaceId(c.req.param("ws") ?? "");
      const known = this.#options.workspaces;
      if (known !== undefined && !known.includes(ws)) {
        throw new MlflowFault(404, "RESOURCE_DOES_NOT_EXIST", `Workspace '${ws}' does not exist`);
      }
      const store = this.store(ws);
      // OICM's runs keep their artifacts behind the workspace's artifact service (an http URI).
      const base = `${new URL(c.req.url).origin}/api/tracking/v1/workspaces/${
        encodeURIComponent(ws)
      }/mlflow${ARTIFACTS_PREFIX}/artifacts`;
      store.artifactUri = (e, r) => `${base}/${e}/${r}/artifacts`;
      c.set("store", store);
      c.set("workspace", ws);
      await next();
    };
    app.use("/api/tracking/v1/workspaces/:ws/mlflow/*", workspace);
    app.use("/api/tracking/v2/workspaces/:ws/*", workspace);
    if (!oicmOnly) app.route("/api/2.0/mlflow", api);
    if (!oicmOnly && this.#options.loggedModels !== false) {
      app.route("/api/2.0/mlflow", loggedModelApi());
    }
    app.route("/api/tracking/v1/workspaces/:ws/mlflow/api/2.0/mlflow", api);
    const artifacts = artifactApi(this.#uploads);
    if (!oicmOnly) app.route(ARTIFACTS_PREFIX, artifacts);
    app.route(`/api/tracking/v1/workspaces/:ws/mlflow${ARTIFACTS_PREFIX}`, artifacts);
    app.get(
      "/api/tracking/v2/workspaces/:ws/experiments/:id/runs",
      (c) => c.json(oicmRuns(c.get("store"), c.req.param("id"), c.req.query())),
    );
    if (!oicmOnly) {
      // What an MLflow server answers below its tracking URI (mlflow server's /health, /version).
      app.get("/health", (c) => c.text("OK"));
      app.get("/version", (c) => c.text(MLFLOW_VERSION));
    }
    app.get("/api/tracking/version", (c) => c.json({ version: this.#options.version ?? "1.13.0" }));
    app.notFound((c) => error(c, 404, "ENDPOINT_NOT_FOUND", `No route for ${c.req.path}`));
    app.onError((err, c) => {
      if (err instanceof MlflowFault) return error(c, err.status, err.code, err.message);
      return error(c, 500, "INTERNAL_ERROR", String(err));
    });
    return app;
  }
}

function error(c: Context, status: number, code: string, message: string): Response {
  return c.json({ error_code: code, message }, status as 400);
}

/** An MLflow error answer outside the app (before routing). */
function jsonError(status: number, code: string, message: string): Response {
  return new Response(JSON.stringify({ error_code: code, message }), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}
