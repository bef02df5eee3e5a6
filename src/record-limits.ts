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
