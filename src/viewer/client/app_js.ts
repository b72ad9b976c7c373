/**
 * The viewer's browser script: helpers, the chart, the pages, in that order.
 *
 * @module
 */
import { CHART_JS } from "./chart_js.ts";
import { PAGES_JS } from "./pages_js.ts";
import { UTIL_JS } from "./util_js.ts";

/**
 * The whole script, served as `/assets/app.js` or inlined in an HTML export.
 *
 * @example
 * ```ts ignore
 * const res = new Response(APP_JS, { headers: { "content-type": "text/javascript" } });
 * ```
 */
export const APP_JS: string = `(function () {\n${UTIL_JS}\n${CHART_JS}\n${PAGES_JS}\n})();\n`;
