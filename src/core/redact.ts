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
  "bearer",
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
  "priv",
]);

/** Other words secret after a qualifier: `session_id` / `sessionId`, `auth_header` / `authHeader`. */
const QUALIFIED: Record<string, Set<string>> = {
  key: KEY_QUALIFIERS,
  id: new Set(["session"]),
  header: new Set(["auth", "authorization", "bearer"]),
};

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
  "sessionid",
  "authheader",
  "privkey",
  "bearer",
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
    if (i > 0 && QUALIFIED[words[i]]?.has(words[i - 1])) return true;
  }
  return [...SECRET_ENDINGS, ...extra].some((ending) => joined.endsWith(ending));
}

/**
 * Whether a (dotted or slashed) key names a secret: a segment holds a secret
 * word (`password`, `secret`, `token`, `credential`, `bearer`, ...), a qualified
 * `key` (`api_key`, `private-key`, `clientKey`, `privKey`...), `session_id` or
 * `auth_header`, ends in one written as one word (`dbpassword`, `sessionid`),
 * or is `key` or `auth` alone. `max_tokens` and `tokenizer`
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

/** A URL query parameter (or `&`-joined pair): `?token=A&api_key=B`. */
const QUERY_PARAM = /([?&;])([^=&#\s;]+)=([^&#\s;]*)/g;

/** A command-line option with its value: `--api-key=K`, `--token K`, `-p 'K'`. */
const OPTION_VALUE = /(^|\s)(--?[A-Za-z][\w.\-]*)(=|\s+)("[^"]*"|'[^']*'|[^\s"'=-][^\s"']*)/g;

function decoded(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

/** Whether a command-line option (`--api-key`, `-token`) names a secret. */
export function isSecretOption(option: string): boolean {
  return /^--?[A-Za-z]/.test(option) && isSecretKey(option.replace(/^-+/, ""));
}

/**
 * A value with every credential it shows replaced by `***` (the rest kept):
 * authorization values, a URL's password, JWTs, well-known key formats, URL
 * query parameters with secret-like names (`?token=***&api_key=***`) and
 * command-line options with secret-like names (`--api-key ***`).
 */
export function redactValue(text: string): string {
  let out = text;
  for (const [pattern, replacement] of VALUE_RULES) out = out.replace(pattern, replacement);
  out = out.replace(
    QUERY_PARAM,
    (all, sep: string, name: string) =>
      isSecretKey(decoded(name)) ? `${sep}${name}=${REDACTED}` : all,
  );
  return out.replace(
    OPTION_VALUE,
    (all, space: string, option: string, joint: string) =>
      isSecretOption(option) ? `${space}${option}${joint}${REDACTED}` : all,
  );
}
