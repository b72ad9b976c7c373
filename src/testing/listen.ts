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

/** The request with its body as a stream (a large upload is never held whole). */
function toRequest(req: IncomingMessage, base: string): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (typeof v === "string") headers.set(k, v);
    else if (Array.isArray(v)) { for (const item of v) headers.append(k, item); }
  }
  const method = req.method ?? "GET";
  const url = new URL(req.url ?? "/", req.headers.host ? `http://${req.headers.host}` : base);
  if (method === "GET" || method === "HEAD") return new Request(url, { method, headers });
  const chunks = req[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await chunks.next();
      if (done) controller.close();
      else controller.enqueue(new Uint8Array(value as Uint8Array));
    },
    cancel: () => void req.destroy(),
  });
  const init: RequestInit & { duplex: "half" } = { method, headers, body, duplex: "half" };
  return new Request(url, init);
}

/** Writes the answer, its body streamed with backpressure. */
async function reply(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((v, k) => headers[k] = v);
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
  const base = `http://${hostname}`;
  const server = createServer((req, res) => {
    Promise.resolve()
      .then(() => handler.handle(toRequest(req, base)))
      .then((out) => out === "drop" ? void req.socket.destroy() : reply(res, out))
      .catch(() => req.socket.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      const { port: actual } = server.address() as AddressInfo;
      const host = hostname.includes(":") ? `[${hostname}]` : hostname;
      resolve({
        url: `http://${host}:${actual}`,
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
