/**
 * Default values of a task function's parameters, read from its source: a parameter left out of
 * a call still has a value in run-name templates, storage keys and cache keys, as in Prefect
 * (where defaults are part of the call's parameters). Only literal defaults can be known before
 * the call; any other default (`x = Date.now()`) is recorded as unknowable, with its source.
 */

/** A parameter's default: a literal the engine knows, or an expression it cannot evaluate safely. */
export type ParameterDefault = { readonly known: true; readonly value: unknown } | { readonly known: false; readonly source: string };

/** One parameter of a function as its source declares it. @internal */
export interface DeclaredParameter {
  readonly name: string;
  /** Absent when the parameter has no default (or is destructured or a rest parameter). */
  readonly default?: ParameterDefault;
}

const OPEN = new Set(['(', '[', '{']);
const CLOSE = new Set([')', ']', '}']);

/** Splits the text between a function's parentheses at top-level commas, skipping strings and comments. */
function splitTopLevel(source: string, open: number): { parts: string[]; end: number } {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = open; i < source.length; i++) {
    const c = source[i] ?? '';
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
      if (depth > 0) current += source.slice(i, j + 1);
      i = j;
      continue;
    }
    if (c === '/' && source[i + 1] === '*') {
      const close = source.indexOf('*/', i + 2);
      i = close < 0 ? source.length : close + 1;
      continue;
    }
    if (c === '/' && source[i + 1] === '/') {
      const close = source.indexOf('\n', i + 2);
      i = close < 0 ? source.length : close;
      continue;
    }
    if (OPEN.has(c)) depth++;
    else if (CLOSE.has(c)) depth--;
    if (depth === 0) return { parts: current.trim() ? [...parts, current] : parts, end: i };
    if (depth === 1 && c === ',') {
      parts.push(current);
      current = '';
    } else if (!(depth === 1 && c === '(' && i === open)) current += c;
  }
  return { parts, end: source.length };
}

/** The value of a literal default (number, string without interpolation, boolean, null, undefined, JSON), or unknowable. */
export function literalDefault(source: string): ParameterDefault {
  const text = source.trim();
  if (/^-?(\d[\d_]*\.?\d*(e[+-]?\d+)?|\.\d+)$/i.test(text)) return { known: true, value: Number(text.replaceAll('_', '')) };
  if (text === 'true' || text === 'false') return { known: true, value: text === 'true' };
  if (text === 'null') return { known: true, value: null };
  if (text === 'undefined') return { known: true, value: undefined };
  const quote = text[0];
  if ((quote === "'" || quote === '"' || quote === '`') && text.endsWith(quote) && text.length >= 2) {
    const body = text.slice(1, -1);
    if (quote === '`' && body.includes('${')) return { known: false, source: text };
    if (!new RegExp(`(^|[^\\\\])${quote}`).test(body)) {
      try {
        return { known: true, value: JSON.parse(`"${body.replaceAll('"', '\\"').replaceAll("\\'", "'")}"`) as string };
      } catch {
        return { known: false, source: text };
      }
    }
  }
  if (text.startsWith('[') || text.startsWith('{')) {
    try {
      return { known: true, value: JSON.parse(text) as unknown };
    } catch {
      return { known: false, source: text };
    }
  }
  return { known: false, source: text };
}

/**
 * The parameters a function declares, with their defaults. Destructured or unreadable
 * parameters are named `arg0`, `arg1` … and have no default.
 * @internal
 */
export function declaredParameters(fn: (...args: never[]) => unknown): DeclaredParameter[] {
  const source = Function.prototype.toString.call(fn);
  const arrowSingle = /^\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(source);
  if (arrowSingle?.[1]) return [{ name: arrowSingle[1] }];
  const open = source.indexOf('(');
  if (open < 0) return [];
  return splitTopLevel(source, open).parts.map((part, i) => {
    const match = /^\s*(\.\.\.)?\s*([A-Za-z_$][\w$]*)\s*(=(?!>))?/.exec(part);
    const name = match?.[2];
    if (!match || !name) return { name: `arg${i}` };
    if (!match[3] || match[1]) return { name };
    return { name, default: literalDefault(part.slice(match[0].length)) };
  });
}

/**
 * The call's arguments by parameter name, a parameter left `undefined` taking its literal
 * default (as JavaScript itself would give the function). @internal
 */
export function namedArguments(parameters: readonly DeclaredParameter[], args: readonly unknown[]): Record<string, unknown> {
  const named: Record<string, unknown> = {};
  parameters.forEach((p, i) => {
    const given = args[i];
    named[p.name] = given === undefined && p.default?.known ? p.default.value : given;
  });
  return named;
}
