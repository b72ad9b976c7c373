/**
 * The credentials a client sends, so that none of them is ever repeated back:
 * the API key, the value of every credential header (`Authorization` and the
 * like) with its scheme stripped, a Basic credential's `user:password` and
 * password once decoded, and each in the forms a server or a proxy may echo
 * it: URL-encoded, and base64 or base64url encoded (padded or not, and inside
 * a longer encoded text, at any byte offset). Error messages, causes, notices
 * and what `@tracked` logs pass through {@linkcode Secrets.scrub}.
 *
 * @module
 */
import { isSecretKey } from "../core/redact.ts";

/** Credentials shorter than this are not scrubbed: replacing every `k` in a message helps nobody. */
const SHORTEST = 4;

/** The shortest base64 run scrubbed when a credential sits inside a longer encoded text. */
const SHORTEST_CORE = 16;

function base64Of(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

const urlSafe = (b64: string) => b64.replace(/\+/g, "-").replace(/\//g, "_");

/**
 * The base64 forms of a credential: whole (padded, unpadded, base64url), and
 * the part of its encoding that stays the same wherever it starts inside a
 * longer encoded text (it starts at byte offset 0, 1 or 2 of a 3-byte group).
 */
function base64Forms(secret: string): string[] {
  const bytes = new TextEncoder().encode(secret);
  const whole = base64Of(bytes);
  const forms = [whole, whole.replace(/=+$/, "")];
  for (let offset = 0; offset < 3; offset++) {
    const shifted = new Uint8Array(offset + bytes.length);
    shifted.set(bytes, offset);
    const encoded = base64Of(shifted);
    // Groups of 3 bytes wholly inside the credential encode the same whatever surrounds it.
    const core = encoded.slice(offset === 0 ? 0 : 4, 4 * Math.floor(shifted.length / 3));
    if (core.length >= SHORTEST_CORE) forms.push(core);
  }
  return [...forms, ...forms.map(urlSafe)];
}
/** The credentials of one client. */
export class Secrets {
  #values: string[] = [];

  /** Adds a credential (and its URL-encoded and base64 forms). */
  add(secret: string | undefined): this {
    if (secret === undefined || secret.length < SHORTEST) return this;
    for (const form of [secret, encodeURIComponent(secret), ...base64Forms(secret)]) {
      if (form.length >= SHORTEST && !this.#values.includes(form)) this.#values.push(form);
    }
    // Longest first, so a credential is scrubbed whole before any part of it.
    this.#values.sort((a, b) => b.length - a.length);
    return this;
  }

  /** Adds a header's value when the header carries a credential. */
  addHeader(name: string, value: string): this {
    const lower = name.toLowerCase();
    const carries = lower === "authorization" || lower === "proxy-authorization" ||
      lower === "cookie" || isSecretKey(name);
    if (!carries) return this;
    this.add(value);
    const m = /^\s*(\w+)\s+(\S+)\s*$/.exec(value);
    if (m === null) return this;
    this.add(m[2]);
    if (m[1].toLowerCase() === "basic") {
      try {
        const decoded = new TextDecoder().decode(
          Uint8Array.from(atob(m[2]), (c) => c.charCodeAt(0)),
        );
        this.add(decoded);
        const colon = decoded.indexOf(":");
        if (colon >= 0) this.add(decoded.slice(colon + 1));
      } catch { /* not base64: the whole value is scrubbed already */ }
    }
    return this;
  }

  /** `text` with every credential replaced by `***`. */
  scrub(text: string): string {
    let out = text;
    for (const secret of this.#values) {
      if (out.includes(secret)) out = out.split(secret).join("***");
    }
    return out;
  }

  /**
   * An error as it may be kept as a `cause`: same name and code, its message
   * (and its own cause, a few levels down) scrubbed.
   */
  scrubError(err: unknown, depth = 0): unknown {
    if (!(err instanceof Error)) return typeof err === "string" ? this.scrub(err) : err;
    const copy = new Error(this.scrub(err.message));
    copy.name = err.name;
    const code = (err as { code?: unknown }).code;
    if (code !== undefined) (copy as { code?: unknown }).code = code;
    copy.stack = `${copy.name}: ${copy.message}`;
    if (err.cause !== undefined && depth < 4) copy.cause = this.scrubError(err.cause, depth + 1);
    return copy;
  }
}
