import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fromWireError, toWireError } from '../../src/error-wire.js';
import type * as sourceErrors from '../../src/errors.js';
import { ThreadedStore } from '../../src/store/threaded-store.js';
import { CancelledError, ParameterValidationError, StoreError, TaskTimeoutError, UpstreamFailedError, WeftError } from '../../src/errors.js';

/** Through JSON, as a Redis job's result travels. */
const roundTrip = (error: unknown): Error => fromWireError(JSON.parse(JSON.stringify(toWireError(error))) as ReturnType<typeof toWireError>);

describe('errors across a process boundary', () => {
  it('rebuilds a Weft error as its own class, with its fields and its cause chain', () => {
    const root = new TypeError('the input was not a number');
    const upstream = new UpstreamFailedError('b-0', 'a-0', 'Failed', { cause: root });
    const back = roundTrip(upstream);
    expect(back).toBeInstanceOf(UpstreamFailedError);
    expect(back).toBeInstanceOf(WeftError);
    expect(back.message).toBe(upstream.message);
    expect(back.name).toBe('UpstreamFailedError');
    expect(back.stack).toBe(upstream.stack);
    expect(back.cause).toBeInstanceOf(TypeError);
    expect((back.cause as Error).message).toBe('the input was not a number');

    const invalid = roundTrip(new ParameterValidationError('etl', [{ path: 'n', message: 'Expected number' }]));
    expect(invalid).toBeInstanceOf(ParameterValidationError);
    expect((invalid as ParameterValidationError).issues).toEqual([{ path: 'n', message: 'Expected number' }]);
    expect(roundTrip(new TaskTimeoutError("Task run 'slow-0'", 1))).toBeInstanceOf(TaskTimeoutError);
  });

  it('keeps a user error a plain Error with its name, message, stack and data fields', () => {
    class QuotaError extends Error {
      override name = 'QuotaError';
      readonly code = 'E_QUOTA';
      readonly handle = { close: () => {} }; // not data: dropped, not a reason to fail
    }
    const original = new QuotaError('over quota', { cause: 'a string cause' });
    const back = roundTrip(original);
    expect(Object.getPrototypeOf(back)).toBe(Error.prototype);
    expect(back.name).toBe('QuotaError');
    expect(back.message).toBe('over quota');
    expect(back.stack).toBe(original.stack);
    expect((back as unknown as { code: string }).code).toBe('E_QUOTA');
    expect('handle' in back).toBe(false);
    expect(back.cause).toBe('a string cause');
    expect(roundTrip('thrown string')).toMatchObject({ name: 'Error', message: 'thrown string' });
  });

  it('survives a cyclic cause chain', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    const back = roundTrip(b);
    expect((back.cause as Error).message).toBe('a');
  });
});

describe('errors from the store thread', () => {
  it('keep their cause, with the underlying error\'s fields and stack', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-error-wire-'));
    try {
      await writeFile(join(dir, 'a-file'), 'not a directory');
      const error = await ThreadedStore.open(join(dir, 'a-file', 'weft.db'), { busyTimeoutMs: 100 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      const cause = (error as Error).cause as Error & { code?: string };
      expect(cause).toBeInstanceOf(Error);
      expect(cause.code).toBe('EEXIST'); // the driver's fields survive
      expect((cause as { syscall?: string }).syscall).toBe('mkdir');
      expect(cause.stack).toContain('openSqliteStore'); // the thread's own stack
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('two copies of Weft in one process', () => {
  it('answers instanceof for errors made by the other copy', async () => {
    const built = fileURLToPath(new URL('../../dist/errors.js', import.meta.url));
    if (!existsSync(built)) throw new Error('dist/ is missing: run `npm run build` first.');
    const url = pathToFileURL(built).href;
    const one = (await import(`${url}?copy=one`)) as typeof sourceErrors;
    const two = (await import(`${url}?copy=two`)) as typeof sourceErrors;
    expect(one.TaskTimeoutError).not.toBe(two.TaskTimeoutError);
    const fromTwo = new two.TaskTimeoutError("Task run 'x-0'", 1);
    expect(fromTwo instanceof one.TaskTimeoutError).toBe(true);
    expect(fromTwo instanceof one.WeftError).toBe(true);
    expect(fromTwo instanceof TaskTimeoutError).toBe(true); // the source copy too
    expect(fromTwo instanceof one.CancelledError).toBe(false);
    expect(new CancelledError('stop') instanceof two.CancelledError).toBe(true);
    expect(new Error('plain') instanceof one.WeftError).toBe(false);
    expect(new two.ServerUnavailableError('down') instanceof one.StoreError).toBe(true);
    expect(fromWireError(toWireError(fromTwo))).toBeInstanceOf(TaskTimeoutError);
  });
});
