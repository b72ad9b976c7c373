/**
 * Redirects followed by hand, so that the credentials rule (`credentials.ts`)
 * holds on every hop: the runtimes' own `fetch` drops `Authorization` when a
 * redirect leaves the origin, but keeps every other header, so a configured
 * header (`OIP-Workload-Id`, a team's `X-Api-Key`) would follow a tracking
 * server's redirect to any host. Here each hop gets the headers its own URL
 * is allowed.
 *
 * @module
 */

/** What a redirect hop needs: a fetch, and the headers a URL may get. */
export interface RedirectRule {
  /** The fetch to call for every hop. */
  fetch: (input: string, init: RequestInit) => Promise<Response>;
  /** Every header a request to `url` carries (credentials only where they belong). */
  headersFor: (url: string) => Record<string, string>;
  /** Hops at most before giving up (the fetch standard's 20). */
  maxHops?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Fetches `url` (`init` without headers: they come from the rule, per hop),
 * following redirects with the headers each hop's URL is allowed. A method and body change as `fetch` changes them (303, and 301/302
 * of a POST, become a GET without body); a streamed body cannot be sent twice,
 * so its redirect is the answer. Past `maxHops`, a `TypeError` as fetch throws.
 *
 * @example
 * ```ts ignore
 * const answer = await fetchFollowing("http://127.0.0.1:9/x", { method: "GET" }, {
 *   fetch: () => Promise.resolve(new Response("ok")),
 *   headersFor: () => ({}),
 * });
 * console.log(await answer.text()); // "ok"
 * ```
 */
export async function fetchFollowing(
  url: string,
  init: Omit<RequestInit, "headers" | "redirect">,
  rule: RedirectRule,
): Promise<Response> {
  const maxHops = rule.maxHops ?? 20;
  let current = url;
  let request: RequestInit = { ...init, headers: rule.headersFor(url) };
  for (let hop = 0;; hop++) {
    const response = await rule.fetch(current, { ...request, redirect: "manual" });
    const location = response.headers.get("Location");
    if (!REDIRECTS.has(response.status) || location === null) return response;
    if (request.body instanceof ReadableStream) return response;
    if (hop >= maxHops) {
      await response.body?.cancel();
      throw new TypeError(`more than ${maxHops} redirects from ${new URL(url).origin}`);
    }
    await response.body?.cancel();
    const next = new URL(location, current).href;
    const method = (request.method ?? "GET").toUpperCase();
    const toGet = (response.status === 303 && method !== "HEAD") ||
      ((response.status === 301 || response.status === 302) && method === "POST");
    const headers = rule.headersFor(next);
    if (toGet) delete headers["Content-Type"];
    request = {
      ...request,
      method: toGet ? "GET" : method,
      body: toGet ? undefined : request.body,
      headers,
    };
    current = next;
  }
}
