/**
 * Weft's DST rule for schedules (a skipped local time runs once at the change; a repeated one once,
 * at its first occurrence), and proof that the result does not depend on the host's time zone:
 * the same cases are computed in child processes under TZ=America/New_York, Europe/Berlin and UTC.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { computeAll, DST_CASES } from './fixtures/dst-cases.js';

describe('the DST rule of schedules', () => {
  const computed = computeAll();
  DST_CASES.forEach((c, i) => {
    it(c.name, () => {
      expect(computed[i]).toEqual(c.expected);
    });
  });

  it.each(['America/New_York', 'Europe/Berlin', 'UTC'])('gives the same run times when the host time zone is %s', async (tz) => {
    const script = join(import.meta.dirname, 'fixtures', 'print-dst-runs.ts');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, TZ: tz } });
    const printed = JSON.parse(stdout) as { tz: string; runs: string[][] };
    expect(printed.tz).toBe(tz);
    expect(printed.runs).toEqual(DST_CASES.map((c) => c.expected));
  });
});
