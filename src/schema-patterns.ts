/**
 * Safe regexps in user-written JSON Schemas (Node only: it sets V8 flags). Importing this module
 * installs {@link patternProblem} as the check `parameter-schema.ts` runs before it compiles a
 * schema.
 */
import { setFlagsFromString } from 'node:v8';
import { setPatternGuard } from './parameter-schema.js';

// A schema's `pattern` comes from whoever wrote the schema (a deployment's parameter schema, a
// pause's input schema: reachable through a resume link without the API key), and V8's regexps
// backtrack: `^(a+)+$` against 30 characters blocks the event loop for seconds. V8 can switch a
// regexp that backtracks too much (50 000 times) to its linear-time engine; Node 20 has the flag
// but not on by default, and it takes effect when set at run time (checked on Node 20.20). The
// linear engine runs only patterns without backreferences, lookarounds and counted repetitions
// over 16, so a pattern it cannot run is refused (`patternProblem`), never compiled.
let linearEngineOn = false;
function useLinearFallback(): void {
  if (linearEngineOn) return;
  setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  // Recognizes the `l` (linear) flag, with which patternProblem asks whether the engine can run a pattern.
  setFlagsFromString('--enable-experimental-regexp-engine');
  linearEngineOn = true;
}

/** Keywords whose values are data, not schemas: a `pattern` key inside them is no regexp. */
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples', 'example']);

/** Every regexp a JSON Schema holds: `pattern` values and `patternProperties` keys, at any depth. */
function patternsOf(node: unknown, out: string[]): string[] {
  if (Array.isArray(node)) {
    for (const item of node) patternsOf(item, out);
  } else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (DATA_KEYWORDS.has(key)) continue;
      if (key === 'pattern' && typeof value === 'string') out.push(value);
      if (key === 'patternProperties' && typeof value === 'object' && value !== null) out.push(...Object.keys(value as object));
      patternsOf(value, out);
    }
  }
  return out;
}

/**
 * Whether `pattern` repeats something that itself repeats (`(a+)+`, `(\\d*,?)*`, `(x{2,}){3,}`), or
 * refers back to a group (`\\1`, `\\k<name>`): the shapes whose backtracking grows exponentially
 * and that V8's linear engine cannot take over. A rough scan: character classes and escapes are
 * single atoms.
 */
function backtracksBadly(pattern: string): boolean {
  const groups: boolean[] = []; // per open group: does it hold a repetition?
  let repeatsInside = false; // the innermost open group (or the whole pattern) holds a repetition
  let lastGroupRepeats = false; // the atom just closed is a group that holds a repetition
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const repetition = c === '*' || c === '+' || (c === '{' && /^\{\d+,\d*\}|^\{\d*[2-9]\d*\}|^\{\d{2,}\}/.test(pattern.slice(i)));
    if (repetition) {
      if (lastGroupRepeats) return true;
      repeatsInside = true;
      lastGroupRepeats = false;
      continue;
    }
    lastGroupRepeats = false;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || (next === 'k' && pattern[i + 2] === '<')) return true;
      i++;
    } else if (c === '[') {
      for (i++; i < pattern.length && pattern[i] !== ']'; i++) if (pattern[i] === '\\') i++;
    } else if (c === '(') {
      groups.push(repeatsInside);
      repeatsInside = false;
    } else if (c === ')') {
      lastGroupRepeats = repeatsInside;
      repeatsInside = (groups.pop() ?? false) || repeatsInside;
    }
  }
  return false;
}

/**
 * Why a JSON Schema cannot be used safely, or undefined when it can: a `pattern` (or
 * `patternProperties` key) that V8's linear-time engine cannot run and whose shape can backtrack
 * exponentially (a repetition of a repetition, a backreference), so that checking a value against
 * it could block for seconds or hours. Other patterns the linear engine cannot run (lookarounds,
 * counted repetitions over 16 such as `[A-Z]{2,32}`) are kept: they backtrack at most
 * polynomially. Patterns zod writes for its formats (email, uuid, date-time, ulid, nanoid …) pass.
 * @example
 * patternProblem({ type: 'string', pattern: '^(a+)+$' }); // 'pattern "^(a+)+$" …'
 * patternProblem({ type: 'string', pattern: '^[a-z]{2,32}$' }); // undefined
 */
export function patternProblem(schema: unknown): string | undefined {
  useLinearFallback();
  for (const pattern of patternsOf(schema, [])) {
    try {
      new RegExp(pattern, 'l');
    } catch (error) {
      if (!(error instanceof SyntaxError) || !/linear/i.test(error.message)) continue; // not a regexp at all: zod says so when it compiles
      if (!backtracksBadly(pattern)) continue;
      return (
        `pattern ${JSON.stringify(pattern.length > 200 ? `${pattern.slice(0, 200)}…` : pattern)} can take exponential time to check, so checking a value ` +
        'against it could block the server: do not repeat a group that itself repeats, such as (a+)+, and use no backreferences'
      );
    }
  }
  return undefined;
}

setPatternGuard(patternProblem);
