/**
 * The HTML around a page's boot data: served pages load the stylesheet and
 * the script from `/assets/` (the page's CSP allows nothing else); an export
 * inlines both, so the file opens with no network at all.
 *
 * @module
 */
import type { Boot } from "./boot.ts";
import { APP_CSS } from "./client/css.ts";
import { APP_JS } from "./client/app_js.ts";

/**
 * Escapes text for HTML (`&`, `<`, `>`, `"`, `'`; control characters become `?`).
 *
 * @example
 * ```ts ignore
 * esc(`<b title="x">`); // "&lt;b title=&quot;x&quot;&gt;"
 * ```
 */
export function esc(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "?").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? "&#39;",
  );
}

/** JSON safe inside a `<script type="application/json">` (no `</script>`, no `<!--`). */
function inertJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/**
 * The Content-Security-Policy of served pages: scripts and styles from the viewer only.
 *
 * @example
 * ```ts ignore
 * headers.set("Content-Security-Policy", PAGE_CSP);
 * ```
 */
export const PAGE_CSP =
  "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; " +
  "frame-ancestors 'none'; form-action 'self'";

/**
 * A page: `title` (escaped), the boot data, and the assets linked (served)
 * or inlined (`inline`, for a self-contained file).
 *
 * @example
 * ```ts ignore
 * const html = pageHtml("Compare", boot, true); // one self-contained file
 * ```
 */
export function pageHtml(title: string, boot: Boot, inline = false): string {
  const data = inline ? { ...boot, static: true } : boot;
  const head = inline
    ? `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; ` +
      `script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">` +
      `<style>${APP_CSS}</style>`
    : `<link rel="stylesheet" href="/assets/app.css">`;
  const script = inline
    ? `<script>${APP_JS.replace(/<\/script/gi, "<\\/script")}</script>`
    : `<script src="/assets/app.js"></script>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="referrer" content="no-referrer">` +
    `<title>${esc(title)} · oicm tracking</title>${head}</head><body>` +
    `<script type="application/json" id="boot">${inertJson(data)}</script>` +
    `<noscript>This page draws its tables and charts with JavaScript.</noscript>` +
    `${script}</body></html>`;
}
