import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { flow, getRunContext, INPUTS, LocalFileStorage, task, UsageError } from '../../src/index.js';
import { declaredParameters } from '../../src/engine/parameter-defaults.js';
import { useTempHome } from '../helpers/temp-home.js';

const home = useTempHome();
const dir = mkdtempSync(join(tmpdir(), 'weft-defaults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reading defaults from a function', () => {
  it('knows literal defaults and marks the others unknowable', () => {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars -- only the signature is read
    const fn = function f(a: number, sep = ', (', n = -2.5, flag = false, list = [1, 2], when = Date.now(), name = `x${String(a)}`, ...rest: number[]) {
      return a;
    };
    expect(declaredParameters(fn as never)).toEqual([
      { name: 'a' },
      { name: 'sep', default: { known: true, value: ', (' } },
      { name: 'n', default: { known: true, value: -2.5 } },
      { name: 'flag', default: { known: true, value: false } },
      { name: 'list', default: { known: true, value: [1, 2] } },
      { name: 'when', default: { known: false, source: 'Date.now()' } },
      { name: 'name', default: { known: false, source: '`x${String(a)}`' } },
      { name: 'rest' },
    ]);
  });
});

describe('parameter defaults are part of the call', () => {
  it('in run-name templates', async () => {
    const scaled = task({ name: 'scaled', taskRunName: '{name}-{x}-{factor}' }, (x: number, factor: number = 10) => x * factor);
    const flowRunId = await flow({ name: 'default-names' }, async () => {
      await Promise.all([scaled(1), scaled(2, 3)]);
      return getRunContext().flowRun?.id ?? '';
    })();
    const names = (await (await home.store()).listTaskRuns(flowRunId)).map((r) => r.name).sort();
    expect(names).toEqual(['scaled-1-10', 'scaled-2-3']);
  });

  it('in result storage keys', async () => {
    const storage = new LocalFileStorage({ basePath: join(dir, 'keys') });
    const report = task({ name: 'report', resultStorage: storage, resultStorageKey: 'report-{parameters.region}' }, (region: string = 'eu') => `report for ${region}`);
    expect(await flow({ name: 'default-keys' }, async () => report())()).toBe('report for eu');
    expect(existsSync(join(dir, 'keys', 'report-eu'))).toBe(true);
  });

  it('in INPUTS cache keys: leaving a default out hits the cache of passing it', async () => {
    let calls = 0;
    const cached = task({ name: 'cached-default', cachePolicy: INPUTS, resultStorage: new LocalFileStorage({ basePath: join(dir, 'cache') }) }, (x: number, y: number = 2) => {
      calls++;
      return x + y;
    });
    await flow({ name: 'default-cache' }, async () => {
      await cached(1, 2);
      await cached(1);
      return getRunContext().flowRun?.id;
    })();
    expect(calls).toBe(1);
  });

  it('refuses, at definition, a template naming a parameter whose default cannot be known', () => {
    const stamp = (label: string, at = Date.now()): string => `${label}@${at}`;
    expect(() => task({ name: 'stamped', taskRunName: 'stamp-{at}' }, stamp)).toThrow(UsageError);
    expect(() => task({ name: 'stamped', taskRunName: 'stamp-{at}' }, stamp)).toThrow(/default \(Date\.now\(\)\) is not a literal/);
    expect(() => task({ name: 'stamped', resultStorageKey: 'k-{parameters.at}' }, stamp)).toThrow(/default \(Date\.now\(\)\) is not a literal/);
    expect(() => task({ name: 'stamped', taskRunName: 'stamp-{label}' }, stamp)).not.toThrow();
  });
});
