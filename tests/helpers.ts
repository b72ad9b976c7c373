/** Shared set-up for the tests: a fake server on a loopback port and a client for it. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { TrackingClient, type TrackingClientOptions } from "../mod.ts";
import { FakeMlflowServer, type FakeServerOptions, type StoredRun } from "../src/testing/mod.ts";

/** Retries fast enough for tests, still with backoff. */
export const FAST_RETRY = { maxRetries: 3, initialDelayMs: 5, maxDelayMs: 20, maxElapsedMs: 5_000 };

export interface Setup extends AsyncDisposable {
  server: FakeMlflowServer;
  client: TrackingClient;
  url: string;
  errors: Error[];
  notices: string[];
  spoolPath: string;
}

/** A fake server on 127.0.0.1 and a client pointed at it over real HTTP. */
export async function setup(
  opts: { server?: FakeServerOptions; client?: Partial<TrackingClientOptions>; oicm?: boolean } =
    {},
): Promise<Setup> {
  // OICM tests run against the fake in OICM mode: only what OICM serves the Python v2 client.
  const server = new FakeMlflowServer(opts.oicm ? { oicm: true, ...opts.server } : opts.server);
  const { url } = await server.listen();
  const errors: Error[] = [];
  const notices: string[] = [];
  const spoolPath = mkdtempSync(join(tmpdir(), "spool-"));
  const client = new TrackingClient({
    apiHost: opts.oicm ? `${url}/api/tracking` : url,
    ...(opts.oicm ? { apiKey: opts.server?.apiKey ?? "test-key" } : {}),
    retry: FAST_RETRY,
    flushIntervalMs: 20,
    spoolPath,
    onError: (e) => errors.push(e),
    onNotice: (m) => notices.push(m),
    ...opts.client,
  });
  return {
    server,
    client,
    url,
    errors,
    notices,
    spoolPath,
    async [Symbol.asyncDispose]() {
      await client.close().catch(() => {});
      await server.close();
      rmSync(spoolPath, { recursive: true, force: true });
    },
  };
}

/** A client wired to an in-process fake server through its `fetch` (no socket). */
export function inProcess(options: Partial<TrackingClientOptions> = {}) {
  const server = new FakeMlflowServer();
  const client = new TrackingClient({
    apiHost: "http://fake",
    fetch: server.fetch,
    flushIntervalMs: 10,
    ...options,
  });
  const runs = (): StoredRun[] => [...server.store().runs.values()];
  const byName = (name: string) => runs().filter((r) => r.info.run_name === name);
  const params = (r: StoredRun) => Object.fromEntries(r.params);
  return { server, client, runs, byName, params };
}

/**
 * Runs `fn` with the variables `names` unset and `vars` set, then puts back
 * what the environment held (shared by the env suites).
 */
export async function withEnv(
  names: readonly string[],
  vars: Record<string, string>,
  fn: () => void | Promise<void>,
): Promise<void> {
  const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
  for (const n of names) delete process.env[n];
  Object.assign(process.env, vars);
  try {
    await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
