/**
 * A run's artifacts on a server, as MLflow's `HttpArtifactRepository` and
 * OICM's `OIHttpArtifactRepository` reach them. An artifact URI resolves to a
 * base `{prefix}/mlflow-artifacts/artifacts/{root}`: a file is `PUT` to and
 * `GET` from `{base}/{path}`, a folder listed with
 * `GET {prefix}/mlflow-artifacts/artifacts?path={root}/{path}`. On OICM, a
 * file of at least the multipart minimum goes in parts: `POST .../mpu/create`,
 * a `PUT` of each part to the URL the answer gives, `POST .../mpu/complete`
 * with each part's ETag and CRC-32. Files stream from and to disk. A base on
 * another origin than the tracking server's gets no credentials unless the
 * user named it (`http/credentials.ts`).
 *
 * @module
 */
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { z } from "zod";
import { AuthError, TrackingError } from "../core/errors.ts";
import { withheldHint } from "../http/credentials.ts";
import type { Transport } from "../http/transport.ts";
import type { ArtifactEntry } from "../core/types.ts";
import type { ArtifactRepo } from "./artifact_repo.ts";
import { crc32, crc32Base64, fileCrc32 } from "./crc32.ts";
import { fileStream, streamToFile } from "./file_stream.ts";

const ARTIFACTS = "/mlflow-artifacts/artifacts";

/**
 * Files up to this size are read whole and sent with their length; larger ones
 * stream from disk, which fetch sends with chunked transfer encoding (MLflow's
 * server takes it; OICM's multipart parts, read whole, never need it).
 */
const WHOLE_BODY_BYTES = 32 * 1024 * 1024;

/** `length` bytes of a file from `start`. */
async function readRange(
  path: string,
  start: number,
  length: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const out = new Uint8Array(length);
  let at = 0;
  const stream = fileStream(path, start, length);
  for await (const chunk of stream) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return at === length ? out : out.subarray(0, at);
}

/** How OICM's multipart upload is used (the Python constructor's options). */
export interface MultipartOptions {
  /** Files of at least this many bytes go in parts. Default 25 MiB. */
  minBytes: number;
  /** The size of a part. Default 25 MiB. */
  chunkBytes: number;
}

/** Where a run's artifacts are, and how to reach them. */
export interface HttpArtifactsConfig {
  /** `{prefix}/mlflow-artifacts/artifacts/{root}`, the run's artifact URI resolved. */
  base: string;
  transport: Transport;
  /** OICM's multipart flow (absent: every file goes in one request). */
  multipart?: MultipartOptions & { trackingUri: string; runId: string };
}

const listAnswer = z.object({
  files: z.array(z.object({
    path: z.string(),
    is_dir: z.boolean().optional().default(false),
    file_size: z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).optional(),
  })).optional().default([]),
});

const createAnswer = z.object({
  upload_id: z.string().optional(),
  credentials: z.array(z.object({
    url: z.string(),
    part_number: z.union([z.number(), z.string().transform(Number)]),
    headers: z.record(z.string(), z.string()).optional().default({}),
  })).default([]),
});

const MIME: Record<string, string> = {
  json: "application/json",
  txt: "text/plain",
  yaml: "text/yaml",
  yml: "text/yaml",
  html: "text/html",
  csv: "text/csv",
  png: "image/png",
  jpg: "image/jpeg",
  svg: "image/svg+xml",
};

function mimeOf(path: string): string {
  return MIME[path.split(".").pop()?.toLowerCase() ?? ""] ?? "application/octet-stream";
}

function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** The artifacts of one run on an MLflow or OICM server. */
export class HttpArtifacts implements ArtifactRepo {
  readonly #config: HttpArtifactsConfig;
  readonly #prefix: string;
  readonly #root: string;

  constructor(config: HttpArtifactsConfig) {
    this.#config = config;
    const at = config.base.indexOf(ARTIFACTS);
    if (at < 0) {
      throw new TrackingError(`the artifact URI ${config.base} is no MLflow artifact service URL`, {
        code: "UNSUPPORTED_ARTIFACT_URI",
      });
    }
    this.#prefix = config.base.slice(0, at);
    this.#root = config.base.slice(at + ARTIFACTS.length).replace(/^\/+|\/+$/g, "");
  }

  async put(source: string | Uint8Array, artifactPath: string): Promise<void> {
    const size = typeof source === "string" ? (await stat(source)).size : source.length;
    const multipart = this.#config.multipart;
    if (multipart !== undefined && size >= multipart.minBytes && size > 0) {
      return await this.#putInParts(source, artifactPath, size, multipart);
    }
    const url = `${this.#config.base}/${encodePath(artifactPath)}`;
    await this.#hinted(url, () =>
      this.#config.transport.sendBody(
        "artifacts/put",
        "PUT",
        url,
        (touch) => this.#body(source, 0, size, touch, size <= WHOLE_BODY_BYTES),
        { "Content-Type": mimeOf(artifactPath), "Content-Length": String(size) },
      ));
  }

  /**
   * Runs a request to `url`; a refusal (401/403) from an origin that got no credentials
   * (not the tracking server's: see `http/credentials.ts`) says so and how to opt in.
   */
  async #hinted<T>(url: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      if (!(err instanceof AuthError) || this.#config.transport.sendsCredentialsTo(url)) throw err;
      throw new AuthError(`${err.message} (${withheldHint(url)})`, {
        code: err.code,
        status: err.status,
        route: err.route,
        cause: err,
      });
    }
  }

  /**
   * A file or bytes (or a part of them) to send. With `whole`, a file's bytes
   * are read first and sent with their length; else the file streams (each
   * chunk read is progress), which fetch sends chunked.
   */
  async #body(
    source: string | Uint8Array,
    start: number,
    length: number,
    touch: () => void,
    whole: boolean,
  ): Promise<BodyInit> {
    if (typeof source !== "string") return source.slice(start, start + length);
    if (whole) return await readRange(source, start, length);
    return fileStream(source, start, length, touch);
  }

  async #putInParts(
    source: string | Uint8Array,
    artifactPath: string,
    size: number,
    mp: MultipartOptions & { trackingUri: string; runId: string },
  ): Promise<void> {
    const t = this.#config.transport;
    const endpoint = (action: string) =>
      `${mp.trackingUri}/api/2.0/mlflow-artifacts/mpu/${action}/${encodePath(artifactPath)}`;
    const created = createAnswer.parse(JSON.parse(
      await t.send(
        "mlflow-artifacts/mpu/create",
        "POST",
        endpoint("create"),
        JSON.stringify({
          path: artifactPath,
          file_name: basename(artifactPath),
          file_size: size,
          kind: "mlflow_artifact",
          crc32: crc32Base64(typeof source === "string" ? await fileCrc32(source) : crc32(source)),
          chunk_size: mp.chunkBytes,
          run_id: mp.runId,
        }),
      ) || "{}",
    ));
    const parts: { part_number: number; etag: string; crc32: string }[] = [];
    for (const credential of created.credentials) {
      const start = mp.chunkBytes * (credential.part_number - 1);
      const length = Math.min(mp.chunkBytes, size - start);
      // A part is read once, whole: storage URLs want its length (S3 refuses chunked uploads),
      // its CRC is taken from the same bytes, and a retry sends them again without rereading.
      const bytes = typeof source === "string"
        ? await readRange(source, start, length)
        : source.slice(start, start + length);
      // The part goes to the storage's URL with the headers the answer gave, not our key.
      const { headers } = await t.sendBody(
        "mlflow-artifacts/mpu/part",
        "PUT",
        credential.url,
        () => bytes,
        { ...credential.headers, "Content-Length": String(length) },
        true,
      );
      parts.push({
        part_number: credential.part_number,
        etag: headers.get("ETag") ?? "",
        crc32: crc32Base64(crc32(bytes)),
      });
    }
    await t.send(
      "mlflow-artifacts/mpu/complete",
      "POST",
      endpoint("complete"),
      JSON.stringify({ path: artifactPath, upload_id: created.upload_id, run_id: mp.runId, parts }),
    );
  }

  async list(path?: string): Promise<ArtifactEntry[]> {
    const full = [this.#root, path].filter((p) => p).join("/");
    const url = `${this.#prefix}${ARTIFACTS}?${new URLSearchParams({ path: full })}`;
    const text = await this.#hinted(
      url,
      () => this.#config.transport.send("artifacts/list", "GET", url),
    );
    const { files } = listAnswer.parse(text.trim() === "" ? {} : JSON.parse(text));
    const entries = files.map((f): ArtifactEntry => {
      const entry: ArtifactEntry = { path: path ? `${path}/${f.path}` : f.path, isDir: f.is_dir };
      if (!f.is_dir && f.file_size !== undefined) entry.fileSize = f.file_size;
      return entry;
    });
    // Listing a file lists nothing, as MLflow's list_artifacts.
    if (
      entries.length === 1 && !entries[0].isDir && path !== undefined &&
      entries[0].path === `${path}/${basename(path)}`
    ) {
      return [];
    }
    return entries.sort((a, b) => a.path.localeCompare(b.path));
  }

  async get(path: string, dstFile: string): Promise<void> {
    const url = `${this.#config.base}/${encodePath(path)}`;
    const answer = await this.#hinted(
      url,
      () => this.#config.transport.openStream("artifacts/get", url),
    );
    try {
      await streamToFile(
        answer.body ?? new ReadableStream({ start: (c) => c.close() }),
        dstFile,
        answer.progress,
      );
    } catch (err) {
      throw new TrackingError(
        `downloading ${path} stopped: ${err instanceof Error ? err.message : String(err)}`,
        { code: "DOWNLOAD_FAILED", route: "artifacts/get", cause: err },
      );
    } finally {
      answer.done();
    }
  }
}
