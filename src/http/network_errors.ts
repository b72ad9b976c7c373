/**
 * What a failed `fetch` means, across Deno, Bun and Node: each runtime words
 * it its own way and hides the useful part in a `cause`. This reads the whole
 * chain and says it in a few words, and whether retrying can help.
 *
 * @module
 */

/** A failed request's reason in a few words, and whether another attempt can succeed. */
export interface NetworkFailure {
  /** Such as `connection refused`, `the name does not resolve`, `certificate error: ...`. */
  reason: string;
  /** False when retrying cannot help: a blocked port, a bad certificate, an unknown host name. */
  retryable: boolean;
}

function chain(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 6 && e !== undefined && e !== null; i++) {
    if (e instanceof Error) {
      const code = (e as { code?: unknown }).code;
      parts.push(`${e.message}${typeof code === "string" ? ` ${code}` : ""}`);
      e = e.cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.join(" | ");
}

/** Reads a failed `fetch` (its error and every cause below it). */
export function describeNetworkFailure(err: unknown): NetworkFailure {
  const text = chain(err);
  const blocked = /Requests to port (\d+) are blocked/i.exec(text);
  if (blocked) {
    return { reason: `the runtime blocks requests to port ${blocked[1]}`, retryable: false };
  }
  if (
    /certificate|CERT_|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|TLS handshake|invalid peer/i.test(text)
  ) {
    const detail =
      /(invalid peer certificate[^|]*|self[- ]signed certificate[^|]*|certificate[^|]*)/i
        .exec(text)?.[1]?.trim();
    return {
      reason: `certificate error${detail ? `: ${detail}` : ""}; to trust a private CA, give ` +
        `Deno --cert ca.pem (or DENO_CERT), Node and Bun NODE_EXTRA_CA_CERTS=ca.pem`,
      retryable: false,
    };
  }
  if (/EAI_AGAIN|Temporary failure in name resolution/i.test(text)) {
    return { reason: "name resolution failed for now", retryable: true };
  }
  if (
    /ENOTFOUND|dns error|failed to lookup address|Name or service not known|getaddrinfo/i.test(text)
  ) {
    return { reason: "the host name does not resolve", retryable: false };
  }
  if (/ECONNREFUSED|Connection refused/i.test(text)) {
    return { reason: "connection refused", retryable: true };
  }
  if (
    /ECONNRESET|connection reset|socket hang up|connection closed|other side closed|dropped/i.test(
      text,
    )
  ) {
    return { reason: "connection dropped", retryable: true };
  }
  if (/EHOSTUNREACH|ENETUNREACH|No route to host|Network is unreachable/i.test(text)) {
    return { reason: "no route to the host", retryable: true };
  }
  const first = text.split(" | ").at(-1) ?? text;
  return { reason: `network error: ${first.slice(0, 200)}`, retryable: true };
}
