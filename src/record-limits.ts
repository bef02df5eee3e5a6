/**
 * The longest texts a run's record holds: names, tags, state messages and log lines. The engine
 * keeps what it records within them (cutting over-long messages and rendered names, refusing
 * over-long tags when a task or flow is defined) and the server's write API refuses anything
 * longer with a 422, so a remote client can never fill the database with one request.
 */

/** Longest flow-run, task-run, flow, logger or state name, in characters (UTF-16 code units). */
export const MAX_NAME_LENGTH = 1_000;
/** Longest tag of a flow run or task run, in characters. */
export const MAX_TAG_LENGTH = 100;
/** Most tags on one flow run or task run. */
export const MAX_TAGS = 100;
/** Longest state message (and recorded error message), in characters; longer ones are cut. */
export const MAX_STATE_MESSAGE_LENGTH = 100_000;
/** Longest recorded log message, in characters (1 M); longer ones are cut. */
export const MAX_LOG_MESSAGE_LENGTH = 1_000_000;

/** What is appended to a text cut to its limit. */
const CUT_MARK = '… (cut)';

/**
 * `text` as is when it has at most `max` characters, else its start with a mark saying it was
 * cut, `max` characters in all.
 * @example
 * clipText('x'.repeat(2_000), MAX_NAME_LENGTH).length; // 1000
 */
export function clipText(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, Math.max(0, max - CUT_MARK.length)) + CUT_MARK;
}

/** Longest flow-run or task-run id a client may choose, in characters. */
export const MAX_RUN_ID_LENGTH = 200;

/**
 * What a client-chosen flow-run or task-run id may be: letters, digits, `-` and `_`, 1 to
 * {@link MAX_RUN_ID_LENGTH} characters. Every id Weft makes (a UUID, a time-ordered UUIDv7)
 * is one; the rule keeps `/`, `.`, NUL and the like out of anything that names a file after a run.
 */
export const RUN_ID_PATTERN = /^[A-Za-z0-9_-]{1,200}$/;

/**
 * Whether `id` may name a run (see {@link RUN_ID_PATTERN}), so it is safe in a file name.
 * @example
 * isSafeRunId('0193f0c4-9a2b-7001-8f3e-6c1d2e4b5a69'); // true
 * isSafeRunId('../../etc'); // false
 */
export function isSafeRunId(id: string): boolean {
  return RUN_ID_PATTERN.test(id);
}

/** Largest parameters object a flow run records, in bytes of JSON (UTF-8): 1 MB, as a deployment's. */
export const MAX_PARAMETERS_BYTES = 1_000_000;

/** The key of what a flow run records in place of parameters above {@link MAX_PARAMETERS_BYTES}. */
export const UNRECORDED_PARAMETERS_KEY = '__weftParametersNotRecorded';

/**
 * `parameters` (already JSON-safe) as a flow run records them: as they are up to
 * {@link MAX_PARAMETERS_BYTES} of JSON, else one note in their place, so one run cannot make
 * every list of runs slow (the run itself still gets its parameters).
 * @example
 * recordableParameters({ rows: hugeArray }); // { __weftParametersNotRecorded: 'parameters of 4900000 bytes of JSON …' }
 */
export function recordableParameters(parameters: Record<string, unknown>): Record<string, unknown> {
  const bytes = Buffer.byteLength(JSON.stringify(parameters));
  if (bytes <= MAX_PARAMETERS_BYTES) return parameters;
  return { [UNRECORDED_PARAMETERS_KEY]: `parameters of ${bytes} bytes of JSON, above the ${MAX_PARAMETERS_BYTES}-byte limit of the record: pass large data by reference (a path, a key)` };
}
