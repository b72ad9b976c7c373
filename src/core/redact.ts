/**
 * What counts as a secret when a value is rendered into a param or a tag:
 * a key rule over the words of a key (`secret_key`, `clientSecret`,
 * `x-api-key`, `db.password`), and value rules for credentials that show
 * themselves (a bearer or basic token, a URL's password, a JWT, well-known
 * API key formats). Every rendering path of `@tracked` goes through here.
 *
 * @module
 */

/**
 * Which keys are secret: extra names (matched like the defaults), patterns, or `false` for none.
 *
 * @example
 * ```ts
 * import type { RedactOption } from "@oicm/tracking";
 * const redact: RedactOption = ["session", /^db\./];
 * ```
 */
export type RedactOption = readonly (string | RegExp)[] | false;

/** What a secret is replaced with. */
export const REDACTED = "***";

/** A word that makes its key secret wherever it stands (`db_password`, `clientSecret`); `token` only last. */
const SECRET_WORDS = new Set([
  "password",
  "passwd",
  "pwd",
  "passphrase",
  "secret",
  "secrets",
  "credential",
  "credentials",
  "authorization",
  "apikey",
  "accesskey",
  "privatekey",
  "secretkey",
  "cookie",
]);

/** Words that make a following `key` secret (`api_key`, `private-key`, `AccessKey`). */
const KEY_QUALIFIERS = new Set([
  "api",
  "access",
  "private",
  "secret",
  "client",
  "ssh",
  "signing",
  "encryption",
  "master",
  "auth",
  "license",
  "session",
]);

/** Endings of a key written as one word (`dbpassword`, `githubtoken`, `awsaccesskey`). */
const SECRET_ENDINGS = [
  "password",
  "passwd",
  "secret",
  "token",
  "apikey",
  "accesskey",
  "privatekey",
  "secretkey",
  "authorization",
  "credential",
  "credentials",
];

/** The words of one key segment: split at `_ - space` and camelCase, lower-cased. */
export function keyWords(segment: string): string[] {
  return segment
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[\s_\-]+/)
    .filter((w) => w !== "")
    .map((w) => w.toLowerCase());
}

function segmentIsSecret(segment: string, extra: readonly string[]): boolean {
  const words = keyWords(segment);
  const joined = words.join("");
  if (joined === "key" || joined === "auth") return true;
  for (let i = 0; i < words.length; i++) {
    if (SECRET_WORDS.has(words[i]) || extra.includes(words[i])) return true;
    // A token is secret as the thing named (`auth_token`), not as a count of them (`token_count`).
    if (words[i] === "token" && i === words.length - 1) return true;
    if (words[i] === "key" && i > 0 && KEY_QUALIFIERS.has(words[i - 1])) return true;
  }
  return [...SECRET_ENDINGS, ...extra].some((ending) => joined.endsWith(ending));
}

/**
 * Whether a (dotted or slashed) key names a secret: a segment holds a secret
 * word (`password`, `secret`, `token`, `credential`, ...), a qualified `key`
 * (`api_key`, `private-key`, `clientKey`... ), ends in one written as one word
 * (`dbpassword`), or is `key` or `auth` alone. `max_tokens` and `tokenizer`
 * are not secrets. `redact` adds names (matched the same way) and patterns.
 */
export function isSecretKey(key: string, redact: RedactOption = []): boolean {
  if (redact === false) return false;
  for (const pattern of redact) if (pattern instanceof RegExp && pattern.test(key)) return true;
  const extra = redact.filter((r): r is string => typeof r === "string")
    .map((r) => keyWords(r).join(""));
  return key.split(/[./]/).some((segment) => segmentIsSecret(segment, extra));
}

/** Credentials that show themselves in a value, each with what replaces it. */
const VALUE_RULES: [RegExp, string][] = [
  // Authorization header values: keep the scheme, hide the credential.
  [/\b(Bearer|Basic|Token|Digest|Bot)(\s+)[A-Za-z0-9._~+/=\-]{6,}/gi, `$1$2${REDACTED}`],
  // A URL's password (and a bare token standing as its user).
  [/\b([a-z][a-z0-9+.\-]*:\/\/)([^\s/:@]*):([^\s/@]+)@/gi, `$1$2:${REDACTED}@`],
  [/\b([a-z][a-z0-9+.\-]*:\/\/)([A-Za-z0-9_\-]{20,})@/gi, `$1${REDACTED}@`],
  // JSON Web Tokens.
  [/\beyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}/g, REDACTED],
  // Well-known API key formats (OpenAI, GitHub, Slack, AWS, GitLab, Hugging Face).
  [
    /\b(?:sk-[A-Za-z0-9_\-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9\-]{10,}|AKIA[0-9A-Z]{16}|glpat-[A-Za-z0-9_\-]{20,}|hf_[A-Za-z0-9]{20,})\b/g,
    REDACTED,
  ],
];

/** A value with every credential it shows replaced by `***` (the rest kept). */
export function redactValue(text: string): string {
  let out = text;
  for (const [pattern, replacement] of VALUE_RULES) out = out.replace(pattern, replacement);
  return out;
}
