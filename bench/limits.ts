/**
 * Concurrency limits (issue 16): the acquire + release round trip, embedded (SQLite on its
 * thread) and through a server (HTTP long poll), and a wide map of a tagged task under a
 * `tag:` limit of 50 against the same map without a limit, in the same command; a keyed
 * limit's round trip (its implicit limit made and deleted each time) against a named one's (the machine is
 * shared: compare the ratio). Alone: `npx tsx bench/limits.ts`; BENCH_LIMITS_MAP (default 2000,
 * the figure is 10000) and BENCH_LIMITS_ROUNDS (default 300) size it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LimitSlots } from '../src/engine/limit-slots.js';
import { createRuntime, flow, task } from '../src/index.js';
import { startServer } from '../src/server/start-server.js';
import { loadSettings } from '../src/settings.js';
import { HttpStore } from '../src/store/http/http-store.js';
import type { LimitRecord } from '../src/store/limits.js';
import { ThreadedStore } from '../src/store/threaded-store.js';
import { median } from './run-child.js';

const rounds = Number(process.env.BENCH_LIMITS_ROUNDS ?? 300);
const width = Number(process.env.BENCH_LIMITS_MAP ?? 2000);

async function roundTrips(record: LimitRecord, label: string): Promise<number> {
  await record.createLimit({ name: 'bench', limit: 1 }, new Date().toISOString());
  const slots = new LimitSlots(record, { leaseSeconds: 30, pollMs: 250, remoteWaitMs: record.slotWaitMs ?? 0 });
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    const lease = await slots.acquire(['bench'], { holder: { label: 'bench' } });
    await lease.release();
    times.push(performance.now() - started);
  }
  const ms = median(times);
  process.stdout.write(`${label}: acquire + release median ${(ms * 1000).toFixed(0)} µs over ${rounds}\n`);
  return ms;
}

/** Keyed round trips: each acquisition makes the key's implicit limit and its release deletes it. */
async function keyedRoundTrips(record: LimitRecord): Promise<number> {
  const slots = new LimitSlots(record, { leaseSeconds: 30, pollMs: 250 });
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    const lease = await slots.acquire([`keyed:task/bench/tenant-${i % 10}`], { holder: { label: 'bench' }, implicitLimit: 1, fairnessKey: `tenant-${i % 10}` });
    await lease.release();
    times.push(performance.now() - started);
  }
  const ms = median(times);
  process.stdout.write(`embedded (SQLite), keyed: acquire + release median ${(ms * 1000).toFixed(0)} µs over ${rounds} (makes and deletes the key's limit each time)\n`);
  return ms;
}

async function wideMap(home: string, limited: boolean): Promise<number> {
  const rt = createRuntime({ settings: loadSettings({ WEFT_HOME: home, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL', WEFT_LOGGING_LEVEL: 'WARNING' }) });
  const store = (await rt.client()).store as unknown as LimitRecord;
  if (limited) await store.createLimit({ name: 'tag:bench-map', limit: 50 }, new Date().toISOString());
  const work = task({ name: `bench-map-${limited ? 'limited' : 'free'}`, tags: ['bench-map'] }, (i: number) => i);
  const wide = flow({ name: 'bench-wide-map' }, async () => (await work.map(Array.from({ length: width }, (_, i) => i)).result()).length);
  const started = performance.now();
  await rt.run(() => wide({}));
  const seconds = (performance.now() - started) / 1000;
  await rt.close();
  process.stdout.write(`map of ${width} ${limited ? 'under tag limit 50' : 'without a limit'}: ${seconds.toFixed(2)} s, ${(width / seconds).toFixed(0)} task runs/s\n`);
  return seconds;
}

const dir = mkdtempSync(join(tmpdir(), 'weft-bench-limits-'));
try {
  const embedded = await ThreadedStore.open(join(dir, 'embedded.db'), { busyTimeoutMs: 30_000 });
  const local = await roundTrips(embedded, 'embedded (SQLite)');
  const keyed = await keyedRoundTrips(embedded);
  process.stdout.write(`keyed / named (embedded): ${(keyed / local).toFixed(2)}x\n`);
  await embedded.close();

  const server = await startServer(loadSettings({ WEFT_HOME: join(dir, 'server') }), { host: '127.0.0.1', port: 0 });
  const client = await HttpStore.open({ url: server.url });
  const remote = await roundTrips(client, 'through a server');
  await client.close();
  await server.close();
  process.stdout.write(`server / embedded: ${(remote / local).toFixed(2)}x\n`);

  const free = await wideMap(join(dir, 'free'), false);
  const limited = await wideMap(join(dir, 'limited'), true);
  process.stdout.write(`tag limit overhead: ${(limited / free).toFixed(2)}x the time of the same map without a limit\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
