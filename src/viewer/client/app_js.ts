/**
 * The viewer's browser script: helpers, the chart, the pages, the start, in that order.
 *
 * @module
 */
import { CHART_JS } from "./chart_js.ts";
import { COMPARE_JS } from "./compare_js.ts";
import { HOME_JS } from "./home_js.ts";
import { PAGES_JS } from "./pages_js.ts";
import { RUN_JS } from "./run_js.ts";
import { RUNS_JS } from "./runs_js.ts";
import { UTIL_JS } from "./util_js.ts";

/**
 * The whole script, served as `/assets/app.js` or inlined in an HTML export.
 *
 * @example
 * ```ts ignore
 * const res = new Response(APP_JS, { headers: { "content-type": "text/javascript" } });
 * ```
 */
export const APP_JS: string = `(function () {\n${
  [UTIL_JS, CHART_JS, HOME_JS, RUNS_JS, RUN_JS, COMPARE_JS, PAGES_JS].join("\n")
}\n})();\n`;
