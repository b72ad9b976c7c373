/** Every credential the client sends is scrubbed from every error, cause and notice. */
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { TrackingClient } from "../mod.ts";
import { clientFromEnv } from "../src/client/env.ts";
import { test } from "./harness.ts";

const USER = "trainer";
const PASSWORD = "pa55-word-XYZ-778";
const TOKEN = "tok-0123456789-abcdef";

/** A proxy that echoes the request's headers in its 401 page (many do), or drops the connection. */
function echoingProxy(mode: "401" | "drop") {
  return (input: Request | URL | string, init?: RequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers);
    const echoed = [...headers].map(([k, v]) => `${k}: ${v}`).join("\n");
    if (mode === "drop") {
      return Promise.reject(new TypeError(`connection reset while sending ${echoed}`));
    }
    return Promise.resolve(
      new Response(`<html><pre>401 Unauthorized for ${String(input)}\n${echoed}</pre></html>`, {
        status: 401,
      }),
    );
  };
}

function everything(err: unknown, notices: string[]): string {
  const parts = [inspect(err, { depth: 10 }), JSON.stringify(err), ...notices];
  for (let e: unknown = err; e instanceof Error; e = e.cause) parts.push(e.message, e.stack ?? "");
  return parts.join("\n");
}

function assertClean(text: string): void {
  const basic = btoa(`${USER}:${PASSWORD}`);
  for (const secret of [PASSWORD, `${USER}:${PASSWORD}`, basic, TOKEN]) {
    assert.ok(!text.includes(secret), `leaked ${secret}:\n${text}`);
  }
}

test("a Basic credential built from MLFLOW_TRACKING_USERNAME/PASSWORD never comes back", async () => {
  for (const mode of ["401", "drop"] as const) {
    const options = clientFromEnv({ apiHost: "http://proxy.example:8080" });
    // As fromEnv builds it from the environment (set here without touching the real one).
    options.headers = { Authorization: `Basic ${btoa(`${USER}:${PASSWORD}`)}` };
    const notices: string[] = [];
    const client = new TrackingClient({
      ...options,
      fetch: echoingProxy(mode),
      retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 1, maxElapsedMs: 1000 },
      onNotice: (m) => notices.push(m),
    });
    const err = await client.getExperimentByName("x").catch((e) => e);
    assert.ok(err instanceof Error);
    assertClean(everything(err, notices));
    assert.match(err.message, mode === "401" ? /\*\*\*/ : /proxy\.example:8080 unreachable/);
    await client.close();
  }
});

test("a token given as a header or as apiKey never comes back, nor its URL-encoded form", async () => {
  for (const options of [{ headers: { "X-Api-Key": TOKEN } }, { apiKey: TOKEN }]) {
    const notices: string[] = [];
    const client = new TrackingClient({
      apiHost: "http://proxy.example:8080",
      ...options,
      fetch: echoingProxy("401"),
      onNotice: (m) => notices.push(m),
    });
    const err = await client.getExperimentByName(encodeURIComponent(TOKEN)).catch((e) => e);
    assertClean(everything(err, notices));
    assertClean(inspect(client));
    await client.close();
  }
});
