/**
 * Serving the viewer over HTTP with `node:http` (Deno, Bun and Node alike):
 * loopback unless told otherwise, any free port with `port: 0`.
 *
 * @module
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TrackingClient } from "../../mod.ts";
import { viewerApp } from "./app.ts";

/** Options of {@linkcode serveViewer}. */
export interface ServeOptions {
  /** The port (5050 by default; 0 for any free one). */
  port?: number;
  /** The interface (127.0.0.1 by default). */
  host?: string;
  /** What the home page says it shows (a folder or a server address). */
  source?: string;
}

/** A running viewer. */
export interface RunningViewer {
  /** Its address, such as `http://127.0.0.1:5050/`. */
  url: string;
  /** Stops serving. */
  close(): Promise<void>;
}

const LOOPBACK = ["127.0.0.1", "localhost", "::1"];

/**
 * Serves the viewer over `client` until `close()`.
 *
 * @example
 * ```ts ignore
 * import { TrackingClient } from "@oicm/tracking";
 * const viewer = await serveViewer(new TrackingClient({ offline: true, storagePath: "./mlruns" }), { port: 0 });
 * console.log(viewer.url);
 * await viewer.close();
 * ```
 */
export function serveViewer(
  client: TrackingClient,
  options: ServeOptions = {},
): Promise<RunningViewer> {
  const host = options.host ?? "127.0.0.1";
  const loopback = LOOPBACK.includes(host);
  const app = viewerApp(client, {
    source: options.source,
    // Bound to loopback, answer only to loopback names: a web page elsewhere cannot rebind to it.
    allowedHosts: loopback ? LOOPBACK : undefined,
    warm: true,
  });
  const server = createServer(async (req, res) => {
    try {
      const url = `http://${req.headers.host ?? host}${req.url ?? "/"}`;
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === "string") headers.set(k, v);
      }
      const answer = await app.fetch(new Request(url, { method: req.method, headers }));
      const out: Record<string, string> = {};
      answer.headers.forEach((v, k) => out[k] = v);
      res.writeHead(answer.status, out);
      if (req.method === "HEAD" || answer.body === null) {
        await answer.body?.cancel();
        res.end();
        return;
      }
      // Streamed: an artifact of any size passes through without being held whole.
      const reader = answer.body.getReader();
      res.once("close", () => void reader.cancel().catch(() => {}));
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        if (res.destroyed) return;
        if (!res.write(next.value)) {
          await new Promise((r) => (res.once("drain", r), res.once("close", r)));
        }
      }
      res.end();
    } catch {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end("viewer error");
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 5050, host, () => {
      const { port } = server.address() as AddressInfo;
      const shown = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
      resolve({
        url: `http://${shown}:${port}/`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}
