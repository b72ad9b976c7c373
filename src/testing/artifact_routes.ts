/**
 * The fake server's artifact service, as MLflow's `--serve-artifacts` and
 * OICM's serve it: `PUT`/`GET .../mlflow-artifacts/artifacts/<path>`, a
 * folder listed with `GET .../mlflow-artifacts/artifacts?path=`, and OICM's
 * multipart upload (`mpu/create`, a `PUT` of each part to the storage URL the
 * answer gives, `mpu/complete`), which checks each part's CRC-32 and the whole
 * file's, refusing a part whose bytes do not match.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { crc32Base64 } from "../artifacts/crc32.ts";
import type { FakeArtifactStore } from "./artifact_store.ts";
import type { FakeStore } from "./store.ts";
import { int, invalid, type Json, missing, MlflowFault, str } from "./wire.ts";

/** Where the fake's storage takes multipart parts (no API key: a presigned URL's stand-in). */
export const PART_PATH = "/fake-storage/mpu";
/** The header each part must carry, as the create answer gives it. */
const TOKEN_HEADER = "x-fake-upload-token";

type Env = { Variables: { store: FakeStore; workspace?: string } };

interface Upload {
  store: FakeStore;
  key: string;
  size: number;
  crc32: string;
  parts: number;
  token: string;
  received: Map<number, { etag: string; crc32: string; size: number }>;
}

/** The artifact root's key in the store (`0/<run>/artifacts`), from a run's artifact URI. */
export function rootKeyOf(uri: string): string {
  if (uri.startsWith("mlflow-artifacts:")) {
    return uri.replace(/^mlflow-artifacts:(\/\/[^/]*)?/, "").replace(/^\/+|\/+$/g, "");
  }
  const at = uri.indexOf("/mlflow-artifacts/artifacts/");
  if (at < 0) throw new MlflowFault(500, "INTERNAL_ERROR", `unknown artifact URI ${uri}`);
  return uri.slice(at + "/mlflow-artifacts/artifacts/".length).replace(/\/+$/, "");
}

/** A path as the server takes it: `/`-separated, no `..`, no absolute path (else a 400). */
function safePath(raw: string): string {
  const path = raw.split("/").map(decodeURIComponent).join("/");
  const parts = path.split("/").filter((p) => p !== "");
  if (path.startsWith("/") || parts.includes("..") || path.includes("\0")) {
    throw invalid(`Invalid path: '${path}'`);
  }
  return parts.join("/");
}

/** What follows `marker` in the request's path. */
function tail(c: Context, marker: string): string {
  const path = new URL(c.req.url).pathname;
  const at = path.indexOf(marker);
  return at < 0 ? "" : path.slice(at + marker.length).replace(/^\/+/, "");
}

const MIME: Record<string, string> = {
  json: "application/json",
  txt: "text/plain; charset=utf-8",
  yaml: "text/yaml",
  yml: "text/yaml",
  html: "text/html",
};

/** The artifact routes below `/api/2.0/mlflow-artifacts` (mounted plain and per workspace). */
export function artifactApi(uploads: Map<string, Upload>): Hono<Env> {
  const api = new Hono<Env>();
  const files = (c: Context<Env>): FakeArtifactStore => c.get("store").artifacts;
  api.get("/artifacts", (c) => {
    const path = safePath(c.req.query("path") ?? "");
    const listed = files(c).list(path);
    return c.json(listed.length === 0 ? {} : { files: listed });
  });
  api.put("/artifacts/*", async (c) => {
    const key = safePath(tail(c, "/mlflow-artifacts/artifacts/"));
    if (key === "") throw invalid("An artifact path is required");
    await files(c).write(key, c.req.raw.body);
    return c.json({});
  });
  api.get("/artifacts/*", (c) => {
    const key = safePath(tail(c, "/mlflow-artifacts/artifacts/"));
    const file = files(c).read(key);
    if (file === undefined) throw missing(`No artifact at '${key}'`);
    const type = MIME[key.split(".").pop()?.toLowerCase() ?? ""] ?? "application/octet-stream";
    return new Response(file.stream(), {
      headers: { "Content-Type": type, "Content-Length": String(file.size) },
    });
  });
  api.post("/mpu/create/*", async (c) => {
    const body = await c.req.json<Json>();
    const store = c.get("store");
    const run = store.runs.get(str(body, "run_id")!);
    if (run === undefined) throw missing(`Run '${body.run_id}' not found`);
    if (run.info.lifecycle_stage !== "active") throw invalid("The run must be active");
    const path = safePath(tail(c, "/mpu/create/"));
    if (str(body, "path") !== path) {
      throw invalid(`'path' (${body.path}) is not the path in the URL (${path})`);
    }
    if (body.kind !== "mlflow_artifact") throw invalid(`Unknown kind '${body.kind}'`);
    const size = int(body, "file_size");
    const chunk = int(body, "chunk_size");
    if (size === undefined || size < 0) throw invalid("'file_size' must be a size in bytes");
    if (chunk === undefined || chunk <= 0) throw invalid("'chunk_size' must be positive");
    const crc = str(body, "crc32")!;
    if (!/^[A-Za-z0-9+/]{6}==$/.test(crc)) throw invalid(`'crc32' is no base64 CRC-32: ${crc}`);
    const id = crypto.randomUUID();
    const parts = Math.max(1, Math.ceil(size / chunk));
    const token = crypto.randomUUID();
    uploads.set(id, {
      store,
      key: `${rootKeyOf(run.info.artifact_uri)}/${path}`,
      size,
      crc32: crc,
      parts,
      token,
      received: new Map(),
    });
    const origin = new URL(c.req.url).origin;
    const credentials = Array.from({ length: parts }, (_, i) => ({
      url: `${origin}${PART_PATH}/${id}/${i + 1}`,
      part_number: i + 1,
      headers: { [TOKEN_HEADER]: token },
    }));
    return c.json({ upload_id: id, credentials });
  });
  api.post("/mpu/complete/*", async (c) => {
    const body = await c.req.json<Json>();
    const id = str(body, "upload_id")!;
    const upload = uploads.get(id);
    if (upload === undefined || upload.store !== c.get("store")) {
      throw missing(`No multipart upload '${id}'`);
    }
    const given = Array.isArray(body.parts) ? body.parts as Json[] : [];
    const numbers = given.map((p) => Number(p.part_number)).sort((a, b) => a - b);
    if (numbers.length !== upload.parts || numbers.some((n, i) => n !== i + 1)) {
      throw invalid(`expected parts 1..${upload.parts}, got [${numbers.join(", ")}]`);
    }
    for (const part of given) {
      const n = Number(part.part_number);
      const got = upload.received.get(n);
      if (got === undefined) throw invalid(`part ${n} was never uploaded`);
      if (part.etag !== got.etag) throw invalid(`part ${n}: ETag ${part.etag} is not ${got.etag}`);
      if (part.crc32 !== got.crc32) {
        throw invalid(
          `part ${n}: CRC32 ${part.crc32} does not match the bytes received (${got.crc32})`,
        );
      }
    }
    const files = upload.store.artifacts;
    const ordered = numbers.map((n) => files.read(`.mpu/${id}/${n}`)!);
    let index = 0;
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    const joined = new ReadableStream<Uint8Array>({
      async pull(controller) {
        for (;;) {
          reader ??= ordered[index]?.stream().getReader();
          if (reader === undefined) return controller.close();
          const { done, value } = await reader.read();
          if (!done) return controller.enqueue(value);
          reader = undefined;
          index++;
        }
      },
    });
    const whole = await files.write(upload.key, joined);
    files.remove(`.mpu/${id}`);
    uploads.delete(id);
    if (whole.size !== upload.size || crc32Base64(whole.crc32) !== upload.crc32) {
      files.remove(upload.key);
      throw invalid(
        `the file's CRC32 (${crc32Base64(whole.crc32)}, ${whole.size} bytes) is not the one ` +
          `announced (${upload.crc32}, ${upload.size} bytes)`,
      );
    }
    return c.json({});
  });
  return api;
}

/**
 * The storage's part upload (`PUT {PART_PATH}/<upload>/<part>`): no API key
 * (a presigned URL refuses a second credential, as S3 does), a length (S3
 * refuses chunked uploads), the header the create answer gave; answers an `ETag`.
 */
export function partUpload(uploads: Map<string, Upload>): Hono {
  const app = new Hono();
  app.put(`${PART_PATH}/:id/:part`, async (c) => {
    if (c.req.header("Authorization") !== undefined) {
      return c.text("InvalidArgument: Only one auth mechanism allowed", 400);
    }
    if (c.req.header("Content-Length") === undefined) {
      return c.text("MissingContentLength: chunked uploads are refused, as S3 refuses them", 411);
    }
    const upload = uploads.get(c.req.param("id"));
    const n = Number(c.req.param("part"));
    if (upload === undefined) return c.text("NoSuchUpload", 404);
    if (c.req.header(TOKEN_HEADER) !== upload.token) return c.text("AccessDenied", 403);
    if (!(n >= 1 && n <= upload.parts)) return c.text(`InvalidPart: ${n}`, 400);
    const { size, crc32 } = await upload.store.artifacts.write(
      `.mpu/${c.req.param("id")}/${n}`,
      c.req.raw.body,
    );
    const etag = `"${crc32.toString(16).padStart(8, "0")}${n.toString(16)}"`;
    upload.received.set(n, { etag, crc32: crc32Base64(crc32), size });
    return c.body(null, 200, { ETag: etag });
  });
  return app;
}

/** The multipart uploads under way on one server. */
export type Uploads = Map<string, Upload>;
