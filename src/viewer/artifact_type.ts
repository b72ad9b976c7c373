/**
 * The content type an artifact is served with: images as images, anything
 * else the browser might run (HTML, SVG, XML, scripts) as plain text.
 *
 * @module
 */

const IMAGES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
};
const TEXT = new Set([
  "txt",
  "log",
  "md",
  "json",
  "jsonl",
  "yaml",
  "yml",
  "csv",
  "tsv",
  "py",
  "ts",
  "js",
  "toml",
  "ini",
  "cfg",
  "html",
  "htm",
  "svg",
  "xml",
  "xhtml",
  "sh",
  "mlmodel",
  "conda",
  "requirements",
]);

/**
 * The `Content-Type` for an artifact named `name`: an image type for PNG,
 * JPEG, GIF and WebP; `text/plain` for text (HTML and SVG included, so they
 * show as source and never run); `application/octet-stream` otherwise.
 *
 * @example
 * ```ts ignore
 * console.log(artifactType("page.html")); // "text/plain; charset=utf-8"
 * ```
 */
export function artifactType(name: string): string {
  const dot = name.lastIndexOf(".");
  const ext = dot < 0 ? name.toLowerCase() : name.slice(dot + 1).toLowerCase();
  if (ext in IMAGES) return IMAGES[ext];
  if (TEXT.has(ext) || dot < 0) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}
