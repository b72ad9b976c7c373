/**
 * Serving a request handler on a loopback port with `node:http`, which Deno,
 * Bun and Node all provide, so the fake server runs the same in each and can
 * drop a connection for real.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A server listening on a port.
 *
 * @example
 * ```ts
 * import { FakeMlflowServer } from "@oicm/tracking/testing";
 * const server = new FakeMlflowServer();
 * const listening = await server.listen();
 * console.log(listening.url, listening.port);
 * await listening.close();
 * ```
 */
export interface Listening {
  /** `http://host:port`, the URI to give the client as `apiHost`. */
  url: string;
  /** The port it listens on. */
  port: number;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** What {@linkcode listen} serves. */
export interface Handler {
  handle(request: Request): Promise<Response | "drop">;
}

/**
 * The request with its body as a stream (a large upload is never held whole),
 * its URL on the listening address: the `Host` header (which any client sets
 * as it likes) never decides an address the server hands out. A body the
 * handler stops reading is dropped as it arrives, and the connection closed
 * once answered.
 */
function toRequest(req: IncomingMessage, origin: string): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (typeof v === "string") headers.set(k, v);
    else if (Array.isArray(v)) { for (const item of v) headers.append(k, item); }
  }
  const method = req.method ?? "GET";
  const target = req.url ?? "/";
  // Origin-form (`/path`) is appended as it is (`//host/x` stays a path); absolute-form keeps its path.
  const path = target.startsWith("/") ? target : (() => {
    const u = URL.canParse(target) ? new URL(target) : new URL("/", origin);
    return u.pathname + u.search;
  })();
  const url = new URL(origin + path);
  if (method === "GET" || method === "HEAD") return new Request(url, { method, headers });
  const chunks = req[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await chunks.next();
      if (done) controller.close();
      else controller.enqueue(new Uint8Array(value as Uint8Array));
    },
    cancel: () => void req.resume(), // the rest is dropped as it comes, never held
  });
  const init: RequestInit & { duplex: "half" } = { method, headers, body, duplex: "half" };
  return new Request(url, init);
}

/**
 * Writes the answer, its body streamed with backpressure. When the request's
 * body was not read whole (refused as too large), the connection closes after
 * the answer.
 */
async function reply(req: IncomingMessage, res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((v, k) => headers[k] = v);
  if (!req.complete) headers["connection"] = "close";
  res.writeHead(response.status, headers);
  if (response.body !== null) {
    for await (const chunk of response.body) {
      if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve));
    }
  }
  res.end();
}

/** Serves `handler` on `hostname:port` (port 0 picks a free one). */
export function listen(handler: Handler, hostname: string, port: number): Promise<Listening> {
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  let origin = `http://${host}`; // with the port once listening (requests come after)
  const server = createServer((req, res) => {
    Promise.resolve()
      .then(() => handler.handle(toRequest(req, origin)))
      .then((out) => out === "drop" ? void req.socket.destroy() : reply(req, res, out))
      .catch(() => req.socket.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      const { port: actual } = server.address() as AddressInfo;
      origin = `http://${host}:${actual}`;
      resolve({
        url: origin,
        port: actual,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}
