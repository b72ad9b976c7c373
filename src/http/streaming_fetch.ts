/**
 * A `fetch` for requests whose body is a stream (a large artifact upload),
 * over `node:http`/`node:https`, which Deno, Bun and Node all provide. It sends
 * the `Content-Length` it is given, where the runtimes' `fetch` sends a
 * streamed body chunked (Deno's whatever the header says), which some servers
 * take slower and storage services refuse. The body is pumped with
 * backpressure: memory stays bounded whatever the size.
 *
 * @module
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { IncomingMessage } from "node:http";

/** Answers with no body, as `Response` wants them. */
const NO_BODY = new Set([101, 204, 205, 304]);

function toResponse(res: IncomingMessage, text: Uint8Array<ArrayBuffer>): Response {
  const headers = new Headers();
  for (const [key, value] of Object.entries(res.headers)) {
    if (typeof value === "string") headers.set(key, value);
    else if (Array.isArray(value)) { for (const v of value) headers.append(key, v); }
  }
  const status = res.statusCode ?? 500;
  return new Response(NO_BODY.has(status) ? null : text, {
    status,
    statusText: res.statusMessage,
    headers,
  });
}

/** Sends `init.body` (a stream) to `url`; resolves to the answer, read whole (an upload's answer is small). */
export function streamingFetch(
  url: string,
  init: RequestInit & { body: ReadableStream<Uint8Array> },
): Promise<Response> {
  const target = new URL(url);
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, key) => headers[key] = value);
  return new Promise<Response>((resolve, reject) => {
    const req = send(target, {
      method: init.method ?? "PUT",
      headers,
      signal: init.signal ?? undefined,
    }, (res) => {
      const chunks: Uint8Array[] = [];
      res.on("data", (chunk: Uint8Array) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const size = chunks.reduce((n, c) => n + c.length, 0);
        const text = new Uint8Array(size);
        let at = 0;
        for (const c of chunks) {
          text.set(c, at);
          at += c.length;
        }
        resolve(toResponse(res, text));
      });
    });
    req.on("error", reject);
    (async () => {
      const reader = init.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          if (!req.write(value)) await new Promise((r) => req.once("drain", r));
        }
        req.end();
      } catch (err) {
        req.destroy(err as Error);
      }
    })();
  });
}
