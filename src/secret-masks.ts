/**
 * The values to mask: every secret a run of this process has read with `secret()` (and every
 * value a flow run passed along with a task attempt to this worker). `redactSecrets` (redact.ts),
 * the one function every log line, state message, error and artifact text goes through, replaces
 * each of them with `***`, together with the forms a value is usually written in: base64
 * (standard and URL-safe, also inside a longer base64 text such as an HTTP Basic credential) and
 * URL-encoded (`%20` and form `+`).
 *
 * Process-wide on purpose, like the console: a value secret to one run must not show in another
 * run's lines printed or recorded by the same process (a worker serves many flow runs). Values
 * shorter than {@link MIN_MASKED_LENGTH} characters are not masked: `***` in place of every `on`
 * or `42` would garble the logs and tell an onlooker the value anyway.
 */

/** Values shorter than this (in characters) are not masked. */
export const MIN_MASKED_LENGTH = 4;
/** Most values one process masks; more are refused (a program reading secrets in a loop). */
export const MAX_MASKED_VALUES = 10_000;

/** Shortest base64 core (see base64Cores) that is masked. */
const MIN_CORE_LENGTH = 6;

const values = new Set<string>();
/** The alternation of every form of every value, longest first; undefined when there is none. */
let pattern: RegExp | undefined;

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The base64 characters that stand for `bytes` whatever precedes them: base64 of `bytes` after
 * 0, 1 or 2 other bytes, less the characters the neighbours also shape. So a value inside a
 * longer base64 text (`user:password` in a Basic credential) is found at any offset.
 */
function base64Cores(bytes: Buffer): string[] {
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const text = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const start = Math.ceil((offset * 8) / 6);
    const end = Math.floor(((offset + bytes.length) * 8) / 6);
    const core = text.slice(start, end);
    // A short core is a few random-looking letters that ordinary text holds too.
    if (core.length >= MIN_CORE_LENGTH) cores.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return cores;
}

/** Every written form of `value` that is masked. */
export function maskedForms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms = new Set<string>([
    value,
    encodeURIComponent(value),
    new URLSearchParams({ v: value }).toString().slice(2),
    bytes.toString('base64'),
    bytes.toString('base64url'),
    ...base64Cores(bytes),
  ]);
  // A form shorter than the value itself would match too much (a core of a short value).
  return [...forms].filter((form) => form.length >= MIN_MASKED_LENGTH);
}

/**
 * Masks `value` from now on in everything this process prints or records. Values shorter than
 * {@link MIN_MASKED_LENGTH} are not masked (false).
 * @example
 * maskSecretValue(token); // log lines holding the token, its base64 or URL-encoded form show ***
 */
export function maskSecretValue(value: string): boolean {
  if (value.length < MIN_MASKED_LENGTH) return false;
  if (values.has(value)) return true;
  if (values.size >= MAX_MASKED_VALUES) return false;
  values.add(value);
  const forms = [...values].flatMap(maskedForms).sort((a, b) => b.length - a.length);
  pattern = new RegExp([...new Set(forms)].map(escape).join('|'), 'g');
  return true;
}

/** The values masked now (a flow run sends them with each task attempt to its workers). */
export function maskedValues(): string[] {
  return [...values];
}

/** `text` with every masked value (in each of its forms) replaced by `replacement`. */
export function maskValues(text: string, replacement: string): string {
  if (pattern === undefined || text.length < MIN_MASKED_LENGTH) return text;
  pattern.lastIndex = 0;
  return pattern.test(text) ? text.replace(pattern, replacement) : text;
}
