/**
 * Keeping credentials out of everything Weft prints or records. Every error, log line and state
 * message that may hold a URL goes through `redactSecrets`, which works on the text, not on a
 * parsed URL: it also redacts URLs that do not parse (a password with `/`, `@`, `:`, `#` or `?`
 * that was not percent-encoded) and secret-looking query or key=value parameters.
 */

import { maskValues } from './secret-masks.js';

/** What stands in for a removed secret. */
export const REDACTED = '***';

/** A URL scheme and its `//`: `redis://`, `postgres://`, `https://`, `mongodb+srv://` … */
const SCHEME = /[a-z][a-z0-9+.-]*:\/\//gi;

/** A run of non-blank text: a URL (and its userinfo) lies within one. */
const TOKEN = /\S+/g;

/**
 * A parameter whose value is a secret: `password=`, `sslpassword=`, `token=`, `access_token=`,
 * `api_key=`, `apikey=`, `client_secret=`, `X-Amz-Signature=`, `X-Amz-Credential=` … in a query string or
 * a `key=value` connection string. The value runs to the next `&`, `;` or blank.
 */
const PARAM = /(^|[?&;,\s'"(])([\w.-]+)=([^&;\s]+)/g;
const SECRET_NAME = /(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|signature|credential|sig)$/i;
/** Cheap test that a text may hold a secret parameter at all (most log lines do not). */
const SECRET_HINT = /pass|pwd|secret|token|key|sig|credential/i;

/** The userinfo of a URL-like `rest` (what follows `scheme://`): everything before its last `@`. */
function userinfoEnd(rest: string): number {
  return rest.lastIndexOf('@');
}

function redactUserinfo(userinfo: string): string {
  const colon = userinfo.indexOf(':');
  // Keep a plain user name (it helps to see who was refused); anything else may be a token.
  if (colon > 0 && !/[/?#\s]/.test(userinfo.slice(0, colon))) return `${userinfo.slice(0, colon)}:${REDACTED}`;
  return REDACTED;
}

/** Redacts the userinfo of each URL in one blank-free token (a token may hold nested URLs). */
function redactToken(token: string): string {
  const starts = [...token.matchAll(SCHEME)].map((m) => m.index);
  if (starts.length === 0) return token;
  let out = token.slice(0, starts[0]);
  starts.forEach((start, i) => {
    const end = starts[i + 1] ?? token.length;
    const segment = token.slice(start, end);
    const schemeLength = segment.indexOf('://') + 3;
    const rest = segment.slice(schemeLength);
    const at = userinfoEnd(rest);
    out += at < 0 ? segment : `${segment.slice(0, schemeLength)}${redactUserinfo(rest.slice(0, at))}${rest.slice(at)}`;
  });
  return out;
}

/**
 * `text` with every credential it may carry replaced by `***`: every secret value a run of this
 * process read with `secret()` (and its base64 and URL-encoded forms; see secret-masks.ts), the password (or a user-less
 * token) of every `scheme://user:password@host` URL, parsed or not, and the values of
 * secret-looking parameters (`password=`, `token=`, `api_key=`, `X-Amz-Signature=` …). A plain
 * user name is kept. The userinfo of a URL is taken to end at the last `@` before the next
 * blank, so passwords holding `/ @ : # ?` are covered; a password holding a blank is not.
 * @example
 * redactSecrets("'redis://app:p/a@ss@10.0.0.5:6379' is not a Redis address");
 * // "'redis://app:***@10.0.0.5:6379' is not a Redis address"
 * redactSecrets('host=db user=weft password=hunter2'); // 'host=db user=weft password=***'
 */
export function redactSecrets(text: string): string {
  // Most log lines hold neither a URL with userinfo nor a secret parameter: keep them cheap.
  let out = maskValues(text, REDACTED);
  if (out.includes('://') && out.includes('@')) out = out.replace(TOKEN, (token) => (token.includes('://') ? redactToken(token) : token));
  if (out.includes('=') && SECRET_HINT.test(out)) {
    out = out.replace(PARAM, (whole, before: string, name: string) => (SECRET_NAME.test(name) ? `${before}${name}=${REDACTED}` : whole));
  }
  return out;
}

/**
 * A URL whose userinfo was written without percent-encoding (`redis://app:p/a@ss@host:6379`)
 * made parseable: the user and password are percent-encoded where they hold `/ ? # @` or a
 * blank, taking the userinfo to end at the last `@`. A URL that needs nothing is returned as
 * it is. Use it only where no `@` can follow the host (Redis addresses: a numeric db and a
 * queue name of `[\w.-]`).
 * @example
 * encodeUrlCredentials('redis://app:p/a@ss@10.0.0.5:6379'); // 'redis://app:p%2Fa%40ss@10.0.0.5:6379'
 */
export function encodeUrlCredentials(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0];
  if (scheme === undefined) return url;
  const rest = url.slice(scheme.length);
  const at = userinfoEnd(rest);
  if (at < 0) return url;
  const userinfo = rest.slice(0, at);
  if (!/[/?#@\s]/.test(userinfo)) return url;
  const encode = (part: string): string => part.replace(/[/?#@\s]/g, (c) => encodeURIComponent(c));
  const colon = userinfo.indexOf(':');
  const encoded = colon < 0 ? encode(userinfo) : `${encode(userinfo.slice(0, colon))}:${encode(userinfo.slice(colon + 1))}`;
  return `${scheme}${encoded}${rest.slice(at)}`;
}
