/** Targets of the benchmarks: each figure is printed with `ok` or `MISSED` against its target. */

/** `ok` when `value` meets the target (`>=` a floor or `<=` a ceiling), else `MISSED`. */
export function verdict(value: number, op: '>=' | '<=', target: number): string {
  const met = Number.isFinite(value) && (op === '>=' ? value >= target : value <= target);
  return `${met ? 'ok    ' : 'MISSED'} (target ${op} ${target})`;
}

/** A check of what a run produced against what it should have: `ok`, or `MISSED: what differs`. */
export function expectation(label: string, actual: unknown, expected: unknown): string {
  return Object.is(actual, expected) || JSON.stringify(actual) === JSON.stringify(expected)
    ? `ok     ${label}: ${String(actual)}`
    : `MISSED ${label}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`;
}

/** Pads a figure into the report's column. */
export const col = (value: string): string => value.padStart(10);
