/**
 * Which requests carry the client's credentials (its API key and every
 * configured header): only those to the tracking server's origin, which
 * holds OICM's own routes (liveness, version, run lookup, the workspace's
 * artifact service and multipart endpoints), and to origins the user named in
 * `artifactCredentialOrigins`. A run's `http(s)` artifact URI on another
 * origin gets none: anyone who can set an experiment's `artifact_location` on
 * a shared server could otherwise collect keys. MLflow's Python client sends
 * them there; this client is stricter.
 *
 * @module
 */

/**
 * The origin (`scheme://host[:port]`) a user named, or `undefined` when it is
 * no http(s) origin (a path, query, fragment or credentials in it).
 */
export function parseOrigin(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.username || url.password || url.search || url.hash) return undefined;
  if (url.pathname !== "/" && url.pathname !== "") return undefined;
  if (/[?#]$/.test(value)) return undefined;
  return url.origin;
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * Whether a request to `url` carries the credentials: its origin is the
 * tracking URI's, or one of `extraOrigins` (already normalised by
 * {@linkcode parseOrigin}).
 */
export function sendsCredentials(
  url: string,
  trackingUri: string,
  extraOrigins: readonly string[] = [],
): boolean {
  const origin = originOf(url);
  if (origin === undefined || origin === "null") return false;
  return origin === originOf(trackingUri) || extraOrigins.includes(origin);
}

/** What to tell a user whose request to `url` was refused without credentials. */
export function withheldHint(url: string): string {
  const origin = originOf(url) ?? url;
  return `no credentials were sent to ${origin}: it is not the tracking server's origin. ` +
    `If it is yours, pass artifactCredentialOrigins: ["${origin}"] to the client`;
}
