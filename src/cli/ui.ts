/**
 * `cli ui`: serves the viewer (loaded only now, by dynamic import) until the
 * process is stopped.
 *
 * @module
 */
import { TrackingError } from "../../mod.ts";
import type { Command } from "./args.ts";
import { openSource, SOURCE_FLAGS, sourceLabel } from "./source.ts";

/**
 * Starts the viewer on `--port` (5050; 0 for any free one) and `--host`
 * (127.0.0.1; any other is served without authentication, and said so);
 * prints its URL once it listens, then serves until the process stops (it never resolves).
 *
 * @example
 * ```ts ignore
 * await ui({ store: "./mlruns", port: "0" });
 * ```
 */
export async function ui(flags: Record<string, string>): Promise<void> {
  const port = flags.port === undefined ? 5050 : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TrackingError(`--port needs a port number (0 for any free one), not ${flags.port}`);
  }
  const host = flags.host ?? "127.0.0.1";
  if (host === "") throw new TrackingError("--host needs an interface, such as 0.0.0.0");
  const client = await openSource(flags);
  const { serveViewer } = await import("../viewer/mod.ts");
  if (!["127.0.0.1", "localhost", "::1"].includes(host)) {
    console.error(
      `warning: serving on ${host} WITHOUT authentication: anyone who can reach this address ` +
        "can read every run, param and artifact in this store",
    );
  }
  const viewer = await serveViewer(client, { port, host, source: sourceLabel(flags) })
    .catch((err: Error & { code?: string }) => {
      throw new TrackingError(
        err.code === "EADDRINUSE"
          ? `port ${port} is in use: pass --port 0 for any free one`
          : `could not listen on ${host}:${port}: ${err.message}`,
      );
    });
  console.log(`viewer at ${viewer.url}  (${sourceLabel(flags)}; Ctrl-C stops it)`);
  await new Promise<never>(() => {});
}

/** `ui`: the web viewer over a store or a server, until stopped. */
export const uiCommand: Command = {
  synopsis: "ui [--store DIR | --from URL] [--port 5050] [--host 127.0.0.1]",
  summary: "a web viewer of experiments and runs: compare, watch live, find the best\n" +
    "(loopback only unless --host; --port 0 takes any free port)",
  args: [],
  required: 0,
  flags: { ...SOURCE_FLAGS, port: "value", host: "value" },
  run: async ({ flags }) => {
    await ui(flags);
    return "";
  },
};
