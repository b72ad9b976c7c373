/**
 * Ids that become URL path segments (or folder names) are checked where they
 * enter: a dot segment or a path separator would change the route called.
 */
import assert from "node:assert/strict";
import { TrackingClient, ValidationError } from "../mod.ts";
import { FakeMlflowServer } from "../src/testing/mod.ts";
import { test } from "./harness.ts";
import { FAST_RETRY } from "./helpers.ts";

/** A fake OICM server on loopback, and every URL a client asked of it. */
async function oicm() {
  const server = new FakeMlflowServer({ oicm: true, apiKey: "dot-key-123" });
  const { url } = await server.listen();
  const asked: string[] = [];
  const fetch = (input: Request | URL | string, init?: RequestInit) => {
    asked.push(String(input instanceof Request ? input.url : input));
    return globalThis.fetch(input, init);
  };
  const options = {
    apiHost: `${url}/api/tracking`,
    apiKey: "dot-key-123",
    fetch,
    retry: FAST_RETRY,
    onNotice: () => {},
  };
  return { server, asked, options };
}

const BAD = [".", "..", "a/b", "../x", "a\\b"];

test("a workspace id of '.' or '..' is refused before any request (it changed the route)", async () => {
  const { server, asked, options } = await oicm();
  try {
    for (const workspaceId of BAD) {
      assert.throws(
        () => new TrackingClient({ ...options, workspaceId }),
        (e: unknown) => e instanceof ValidationError && /workspaceId/.test(e.message),
        workspaceId,
      );
      const client = new TrackingClient({ ...options, workspaceId: "ws-1" });
      await assert.rejects(
        client.setExperiment("exp", { workspaceId }),
        (e: unknown) =>
          e instanceof ValidationError && e.message.includes(JSON.stringify(workspaceId)),
      );
      await client.close();
    }
    assert.deepEqual(asked, []);
  } finally {
    await server.close();
  }
});

test("an experiment or run id that is a dot segment or holds '/' is refused before any request", async () => {
  const { server, asked, options } = await oicm();
  const client = new TrackingClient({ ...options, workspaceId: "ws-1" });
  try {
    for (const id of BAD) {
      const calls: [string, () => Promise<unknown>][] = [
        ["getExperiment", () => client.getExperiment(id)],
        ["deleteExperiment", () => client.deleteExperiment(id)],
        ["startRun", () => client.startRun({ experimentId: id })],
        ["searchRuns", () => client.searchRuns({ experimentIds: [id] })],
        ["getRun", () => client.getRun(id)],
        ["startRun runId", () => client.startRun({ runId: id })],
        ["getMetricHistory", () => client.getMetricHistory(id, "loss")],
      ];
      for (const [name, call] of calls) {
        await assert.rejects(
          async () => await call(),
          (e: unknown) => e instanceof ValidationError && /(experiment|run)Id/.test(e.message),
          `${name}(${id})`,
        );
      }
      assert.throws(
        () => new TrackingClient({ ...options, workspaceId: "ws-1", experimentId: id }),
        ValidationError,
      );
      assert.throws(
        () => new TrackingClient({ ...options, workspaceId: "ws-1", runId: id }),
        ValidationError,
      );
    }
    assert.deepEqual(asked, []);
    // Ids with dots that are no dot segment stay valid.
    await client.setExperiment("exp");
    const run = await client.startRun({ runName: "r.1" });
    await run.end();
    assert.ok(asked.length > 0);
  } finally {
    await client.close();
    await server.close();
  }
});
