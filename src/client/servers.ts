/**
 * The servers a client talks to: its endpoint (an OICM host, an MLflow server,
 * or the offline store), one REST backend per OICM workspace (each with its
 * transport), OICM's liveness and version check before the first request, and
 * `healthCheck`.
 *
 * @module
 */
import type { Target } from "../core/backend.ts";
import { ValidationError } from "../core/errors.ts";
import type { MultipartOptions } from "../artifacts/http_artifacts.ts";
import { oicmTrackingUri } from "../http/routes.ts";
import { Transport, type TransportConfig } from "../http/transport.ts";
import { checkOicmHost, type HealthReport } from "../rest/oicm_health.ts";
import { RestBackend } from "../rest/rest_backend.ts";
import type { Endpoint } from "./options.ts";

/** How a client reaches its servers. */
export interface ServersConfig {
  endpoint: Endpoint;
  /** How requests are made (all but the tracking URI, which the workspace decides); none offline. */
  transport?: Omit<TransportConfig, "trackingUri">;
  /** OICM's multipart artifact upload (undefined: off). */
  multipart?: MultipartOptions;
  /** The OICM workspace to start in. */
  workspaceId?: string;
  notify: (message: string) => void;
}

/** The endpoint, the active OICM workspace, and a REST backend per workspace. */
export class Servers {
  readonly endpoint: Endpoint;
  /** The active OICM workspace (`setExperiment(name, { workspaceId })` changes it). */
  workspaceId: string | undefined;
  readonly #config: ServersConfig;
  readonly #targets = new Map<string, Target>();
  /** Every transport made (close() bounds their waiting). */
  readonly #transports: Transport[] = [];
  #oicmCheck: Promise<HealthReport> | undefined;

  constructor(config: ServersConfig) {
    this.#config = config;
    this.endpoint = config.endpoint;
    this.workspaceId = config.workspaceId;
  }

  /** Names the server in sync records: kind, address and OICM workspace. */
  syncKey(): string {
    const { kind, base } = this.endpoint;
    return kind === "oicm" ? `${base}#${this.workspaceId ?? ""}` : base;
  }

  #trackingUri(): string {
    if (this.endpoint.kind === "mlflow") return this.endpoint.base;
    if (this.workspaceId === undefined) {
      throw new ValidationError(
        "OICM needs a workspace: pass workspaceId to the client or to setExperiment()",
      );
    }
    return oicmTrackingUri(this.endpoint.base, this.workspaceId);
  }

  #transport(trackingUri: string, before?: () => Promise<unknown>): Transport {
    const transport = new Transport({
      ...this.#config.transport!,
      trackingUri: () => trackingUri,
      before,
    });
    this.#transports.push(transport);
    return transport;
  }

  /** The server (and OICM workspace) requests go to now, without the spool. */
  target(): Target {
    const key = this.syncKey();
    let target = this.#targets.get(key);
    if (target === undefined) {
      const oicm = this.endpoint.kind === "oicm";
      // As OICM's Python client: liveness and version are checked before the first request.
      const transport = this.#transport(
        this.#trackingUri(),
        oicm ? () => this.#oicmChecked() : undefined,
      );
      const workspace = oicm
        ? {
          apiHost: this.endpoint.base,
          workspaceId: this.workspaceId!,
          notify: this.#config.notify,
        }
        : undefined;
      const multipart = oicm ? this.#config.multipart : undefined;
      target = { key, backend: new RestBackend(transport, workspace, { multipart }) };
      this.#targets.set(key, target);
    }
    return target;
  }

  /** OICM's liveness and version, checked once (a failure is not remembered: the next call checks again). */
  #oicmChecked(): Promise<HealthReport> {
    this.#oicmCheck ??= this.#checkOicm().catch((err) => {
      this.#oicmCheck = undefined;
      throw err;
    });
    return this.#oicmCheck;
  }

  #checkOicm(): Promise<HealthReport> {
    const base = this.endpoint.base;
    return checkOicmHost(this.#transport(base), base, this.#config.notify);
  }

  /**
   * Checks a server now: OICM's liveness and version, or an MLflow server's
   * `/health` and `/version` (older servers have no `/version`).
   */
  async check(): Promise<HealthReport> {
    const { kind, base } = this.endpoint;
    if (kind === "oicm") return await this.#checkOicm();
    const transport = this.#transport(base);
    await transport.send("health", "GET", `${base}/health`);
    const version = await transport.send("version", "GET", `${base}/version`).then(
      (v) => v.trim() || undefined,
      () => undefined,
    );
    return version === undefined ? { kind, host: base } : { kind, host: base, version };
  }

  /** Bounds (or, with undefined, unbounds) how long every transport waits for a quiet server. */
  giveUpAfterQuiet(ms: number | undefined): void {
    for (const transport of this.#transports) transport.giveUpAfterQuiet(ms);
  }
}
