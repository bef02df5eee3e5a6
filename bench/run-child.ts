/** Runs one benchmark workload in a fresh process with its own WEFT_HOME and parses its JSON line. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a workload process reports. */
export interface Measurement {
  readonly ms: number;
  readonly taskRuns: number;
  readonly maxRssMb: number;
  readonly [extra: string]: unknown;
}

/**
 * Runs `script` with `args` in a child `node --import tsx` process. `inspect` reads what the run
 * left under its WEFT_HOME (the record, result storage) before the directory is removed; its
 * fields join the measurement.
 */
export function runChild(
  script: string,
  args: readonly string[],
  env: Record<string, string> = {},
  inspect?: (home: string) => Record<string, unknown>,
): Measurement {
  const home = mkdtempSync(join(tmpdir(), 'weft-bench-'));
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', script, ...args], {
      env: { ...process.env, WEFT_HOME: home, WEFT_LOGGING_CONSOLE_LEVEL: 'ERROR', ...env },
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    const line = out.trim().split('\n').at(-1) ?? '';
    const measured = JSON.parse(line) as Measurement;
    return inspect ? { ...measured, ...inspect(home) } : measured;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** Median of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
