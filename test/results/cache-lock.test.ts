import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResultStorageError } from '../../src/errors.js';
import { lockFor } from '../../src/results/cache-lock.js';
import { FileLock } from '../../src/results/file-lock.js';
import { LocalFileStorage } from '../../src/results/local-file-storage.js';
import { S3Storage } from '../../src/results/s3-storage.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');

/** Checks markers alternate enter/leave of one holder at a time; returns how many holds. */
function holdsWithoutOverlap(lines: readonly string[]): number {
  let holder: string | undefined;
  let holds = 0;
  for (const line of lines) {
    const [what, who] = line.split(' ');
    if (what === 'enter') {
      expect(holder, `'${line}' while ${holder ?? ''} holds the lock`).toBeUndefined();
      holder = who;
      holds++;
    } else {
      expect(who, `'${line}' without holding`).toBe(holder);
      holder = undefined;
    }
  }
  expect(holder).toBeUndefined();
  return holds;
}

/** Lets pending promise callbacks and I/O callbacks run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('lockFor', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-cache-lock-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the same lock for storages with the same descriptor', () => {
    expect(lockFor(new LocalFileStorage({ basePath: dir }))).toBe(lockFor(new LocalFileStorage({ basePath: dir })));
  });

  it('lets one holder per key in at a time within a process, in arrival order', async () => {
    const lock = lockFor(new LocalFileStorage({ basePath: dir }));
    const lines: string[] = [];
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const release = await lock.acquire('same');
        order.push(i);
        lines.push(`enter ${i}`);
        await settle();
        await writeFile(join(dir, 'scratch'), String(i));
        lines.push(`leave ${i}`);
        await release();
      }),
    );
    expect(holdsWithoutOverlap(lines)).toBe(10);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('does not block other keys', async () => {
    const lock = lockFor(new LocalFileStorage({ basePath: dir }));
    const releaseA = await lock.acquire('a');
    // Held 'a' must not delay 'b': with a bound, a blocked 'b' rejects instead of hanging the test.
    const releaseB = await lock.acquire('b', { timeoutMs: 10_000 });
    expect((await readdir(join(dir, '.locks'))).filter((f) => f.endsWith('.lock'))).toHaveLength(2);
    expect(lock.waiting()).toBe(0);
    // 'a' is still held while 'b' is: a second caller for 'a' queues.
    const queued = lock.acquire('a', { timeoutMs: 10_000 });
    expect(lock.waiting('a')).toBe(1);
    expect(lock.waiting('b')).toBe(0);
    await releaseB();
    await releaseA();
    await (await queued)();
    expect(lock.waiting()).toBe(0);
  });

  it('rejects with a ResultStorageError when the key is not obtained within timeoutMs', async () => {
    const lock = lockFor(new LocalFileStorage({ basePath: dir }));
    const release = await lock.acquire('busy');
    await expect(lock.acquire('busy', { timeoutMs: 20 })).rejects.toThrow(ResultStorageError);
    await expect(lock.acquire('busy', { timeoutMs: 20 })).rejects.toThrow(/another task run is computing it/);
    await release();
    const again = await lock.acquire('busy', { timeoutMs: 1000 });
    await again();
  });

  it('holds a lock file under .locks while held and removes it on release', async () => {
    const lock = lockFor(new LocalFileStorage({ basePath: dir }));
    const release = await lock.acquire('k');
    expect((await readdir(join(dir, '.locks'))).filter((f) => f.endsWith('.lock'))).toHaveLength(1);
    await release();
    await release();
    expect(await readdir(join(dir, '.locks'))).toEqual([]);
  });

  it('is in-process only for S3 storage without a WEFT_HOME for lock files', async () => {
    const storage = new S3Storage({ bucket: 'b', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const lock = lockFor(storage);
    const release = await lock.acquire('k');
    await expect(lock.acquire('k', { timeoutMs: 10 })).rejects.toThrow(ResultStorageError);
    await release();
    await (await lock.acquire('k'))();
    storage.close();
  });

  it.each(['local', 's3'])('serializes two processes contending for one key (%s storage)', async (kind) => {
    const marker = join(dir, 'markers.txt');
    const iterations = 25;
    const children = [0, 1].map(() =>
      spawn(process.execPath, ['--import', 'tsx', join('test', 'results', 'fixtures', 'lock-child.ts'), join(dir, 'storage'), 'shared-key', marker, String(iterations), kind], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    const stderr: string[] = [];
    const exits = children.map((child) => {
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
      return once(child, 'exit');
    });
    const codes = (await Promise.all(exits)).map(([code]) => code as number | null);
    expect(codes, stderr.join('')).toEqual([0, 0]);
    const lines = (await readFile(marker, 'utf8')).trim().split('\n');
    expect(holdsWithoutOverlap(lines)).toBe(2 * iterations);
    expect(new Set(lines.map((l) => l.split(' ')[1])).size).toBe(2);
  }, 60_000);
});

describe('FileLock stale takeover', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-file-lock-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes over a lock file not refreshed for longer than staleMs', async () => {
    const lock = new FileLock({ directory: dir, staleMs: 1000 });
    const file = lock.fileOf('k');
    await mkdir(dir, { recursive: true });
    await writeFile(file, JSON.stringify({ token: 't', pid: process.pid, host: 'elsewhere' }));
    const past = new Date(Date.now() - 60_000);
    await utimes(file, past, past);
    const release = await lock.acquire('k', 5000);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    await release();
  });

  it('takes over at once a fresh lock file whose process on this host is gone', async () => {
    const lock = new FileLock({ directory: dir, staleMs: 3_600_000 });
    const child = spawn(process.execPath, ['-e', '']);
    await once(child, 'exit');
    await writeFile(lock.fileOf('k'), JSON.stringify({ token: 't', pid: child.pid, host: hostname() }));
    // The file is an hour from stale: only the dead owner lets it be taken (a wait would reject).
    const release = await lock.acquire('k', 30_000);
    const owner = JSON.parse(await readFile(lock.fileOf('k'), 'utf8')) as { token: string; pid: number; host: string };
    expect(owner).toMatchObject({ pid: process.pid, host: hostname() });
    expect(owner.token).not.toBe('t');
    await release();
    await expect(readFile(lock.fileOf('k'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('does not take over a fresh lock of a live process', async () => {
    const lock = new FileLock({ directory: dir, staleMs: 3_600_000 });
    await writeFile(lock.fileOf('k'), JSON.stringify({ token: 't', pid: process.pid, host: hostname() }));
    await expect(lock.acquire('k', 50)).rejects.toThrow(ResultStorageError);
    expect(JSON.parse(await readFile(lock.fileOf('k'), 'utf8'))).toMatchObject({ token: 't' });
  });

  it('keeps a held lock fresh with a heartbeat, so a waiter does not take it over', async () => {
    const holder = new FileLock({ directory: dir, staleMs: 60 });
    const release = await holder.acquire('k');
    const file = holder.fileOf('k');
    const startMtime = (await stat(file)).mtimeMs;
    // Wait (by polling, with a deadline) until the heartbeat has refreshed the file.
    const deadline = Date.now() + 10_000;
    while ((await stat(file)).mtimeMs === startMtime && Date.now() < deadline) await settle();
    expect((await stat(file)).mtimeMs).toBeGreaterThan(startMtime);
    await release();
  });

  it('reports a lock directory that cannot be created as a ResultStorageError', async () => {
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'x');
    await expect(new FileLock({ directory: join(blocker, '.locks') }).acquire('k')).rejects.toThrow(/Cannot create the cache lock directory/);
  });
});
