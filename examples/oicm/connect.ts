/**
 * How the OICM examples connect, as OICM's Python examples do: `OICM_TRACKING_API_HOST`,
 * `OICM_TRACKING_API_KEY` and `OICM_WORKSPACE_ID` name a real OICM; without them, an in-process
 * fake in OICM mode (it serves only what OICM serves) stands in, so each example runs anywhere.
 */
import process from "node:process";
import { TrackingClient, type TrackingClientOptions } from "../../mod.ts";
import { FakeMlflowServer } from "../../src/testing/mod.ts";

/** A client for OICM (real or stand-in), its workspace, and `done()` to close both. */
export async function connect(options: Partial<TrackingClientOptions> = {}): Promise<{
  tc: TrackingClient;
  workspaceId: string;
  done: () => Promise<void>;
}> {
  const apiHost = process.env.OICM_TRACKING_API_HOST;
  if (apiHost !== undefined) {
    const tc = new TrackingClient({
      apiHost,
      apiKey: process.env.OICM_TRACKING_API_KEY,
      ...options,
    });
    return { tc, workspaceId: process.env.OICM_WORKSPACE_ID ?? "", done: () => tc.close() };
  }
  const server = new FakeMlflowServer({ apiKey: "example-key", oicm: true });
  const { url } = await server.listen();
  const tc = new TrackingClient({
    apiHost: `${url}/api/tracking`,
    apiKey: "example-key",
    ...options,
  });
  return {
    tc,
    workspaceId: "example-workspace",
    done: async () => {
      await tc.close();
      await server.close();
    },
  };
}
