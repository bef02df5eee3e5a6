/**
 * Checks of task and flow options when the task or flow is defined, so a mistake fails at the
 * line that made it, with what was expected, rather than at some later run.
 */
import { UsageError } from '../errors.js';
import { MAX_TAG_LENGTH, MAX_TAGS } from '../record-limits.js';

/** The options every task and flow share (checked loosely typed: JavaScript callers pass anything). */
interface CommonOptions {
  readonly retries?: unknown;
  readonly retryDelaySeconds?: unknown;
  readonly retryJitterFactor?: unknown;
  readonly retryCondition?: unknown;
  readonly timeoutSeconds?: unknown;
  readonly onRunning?: unknown;
  readonly onCompletion?: unknown;
  readonly onFailure?: unknown;
  readonly onCrashed?: unknown;
  readonly onCancellation?: unknown;
  readonly tags?: unknown;
}

const HOOKS = ['onRunning', 'onCompletion', 'onFailure', 'onCrashed', 'onCancellation'] as const;

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'string') return `the string '${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return `a ${typeof value}`;
}

const isSeconds = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value) && value >= 0;

/**
 * Throws a UsageError naming `what` (e.g. `Task 'inc'`) and the option when one is malformed.
 * @internal
 */
export function checkRunOptions(what: string, options: CommonOptions & { readonly runName?: unknown; readonly runNameOption: string }): void {
  const bad = (message: string): never => {
    throw new UsageError(`${what}: ${message}.`);
  };
  const { retries, retryDelaySeconds: delay, retryJitterFactor, retryCondition, timeoutSeconds, runName, runNameOption } = options;
  if (retries !== undefined && !(Number.isInteger(retries) && (retries as number) >= 0)) bad(`retries must be a whole number ≥ 0, got ${describe(retries)}`);
  if (timeoutSeconds !== undefined && !(typeof timeoutSeconds === 'number' && timeoutSeconds > 0)) bad(`timeoutSeconds must be > 0 (a number of seconds), got ${describe(timeoutSeconds)}`);
  if (retryJitterFactor !== undefined && !isSeconds(retryJitterFactor)) bad(`retryJitterFactor must be a number ≥ 0, got ${describe(retryJitterFactor)}`);
  if (delay !== undefined && typeof delay !== 'function') {
    const ok = Array.isArray(delay) ? delay.every(isSeconds) : isSeconds(delay);
    if (!ok) bad(`retryDelaySeconds must be seconds ≥ 0: a number, a list of numbers (one per retry) or a function of the retry number; got ${describe(delay)}${Array.isArray(delay) ? ` [${delay.map(String).join(', ')}]` : ''}`);
  }
  if (retryCondition !== undefined && typeof retryCondition !== 'function') bad(`retryCondition must be a function (task, run, state) => boolean, got ${describe(retryCondition)}`);
  if (runName !== undefined && typeof runName !== 'string' && typeof runName !== 'function') {
    bad(`${runNameOption} must be a template string ('{name}-{x}') or a function of the parameters that returns a string, got ${describe(runName)}`);
  }
  const { tags } = options;
  if (tags !== undefined) {
    if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string')) bad(`tags must be a list of strings, got ${describe(tags)}`);
    const list = tags as readonly string[];
    if (list.length > MAX_TAGS) bad(`tags holds ${list.length} tags; a run records at most ${MAX_TAGS}`);
    const long = list.find((t) => t.length > MAX_TAG_LENGTH);
    if (long !== undefined) bad(`tag '${long.slice(0, 40)}…' has ${long.length} characters; a tag has at most ${MAX_TAG_LENGTH}`);
  }
  for (const hook of HOOKS) {
    const value = options[hook];
    if (value === undefined) continue;
    const list: readonly unknown[] = Array.isArray(value) ? value : [value];
    const wrong = list.find((h) => typeof h !== 'function');
    if (wrong !== undefined || (list.length === 0 && !Array.isArray(value))) bad(`${hook} must be a function or a list of functions (owner, run, state) => void, got ${describe(wrong)}`);
  }
}
