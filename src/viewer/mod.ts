/**
 * The viewer: what the CLI loads (by dynamic import, only for `ui`,
 * `compare --html` and `show --html`).
 *
 * @module
 */
export { viewerApp, type ViewerAppOptions } from "./app.ts";
export { type RunningViewer, type ServeOptions, serveViewer } from "./serve.ts";
export { compareHtml, runHtml } from "./export.ts";
export { reduce, type Series } from "./reduce.ts";
