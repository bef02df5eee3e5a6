/**
 * Throughput of SqlStore.write() on a SQLite file, with batches of 30 000 task runs, 90 000 states
 * and 20 000 edges: first as inserts, then the same task runs again as upserts.
 *   fresh: each pair of batches into a new database (5 times);
 *   grown: 6 pairs into one database, which grows to 180 000 task runs and 1 080 000 states.
 * Run: npx tsx bench/store-write.ts        (ids as the engine makes them: random UUIDs, v4)
 *      BENCH_IDS=v7 npx tsx bench/store-write.ts   (time-ordered UUIDv7 ids)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RecordBatch, StateRecord, TaskRunRecord } from '../src/store/records.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import { openSqliteStore } from '../src/store/sql/sqlite.js';

/** A UUID version 7: 48 bits of Unix ms, then random bits; ids made later sort later. */
function uuidv7(): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(Date.now(), 0, 6);
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const v7 = process.env.BENCH_IDS === 'v7';
const newId = v7 ? uuidv7 : randomUUID;

function batch(flowRunId: string, ids: readonly string[], type: 'RUNNING' | 'COMPLETED'): RecordBatch {
  const now = new Date().toISOString();
  const taskRuns: TaskRunRecord[] = ids.map((id, i) => ({
    id,
    flowRunId,
    name: `inc-${i}`,
    taskKey: 'flows/example.ts:inc',
    dynamicKey: String(i),
    mapIndex: i,
    tags: ['bench'],
    state: { type, name: type === 'RUNNING' ? 'Running' : 'Completed', timestamp: now },
    runCount: 1,
    createdAt: now,
    startTime: now,
    endTime: type === 'COMPLETED' ? now : null,
  }));
  const states: StateRecord[] = [];
  for (const id of ids) {
    for (const [t, n] of [['PENDING', 'Pending'], ['RUNNING', 'Running'], ['COMPLETED', 'Completed']] as const) {
      states.push({ runId: id, runKind: 'task', type: t, name: n, timestamp: now });
    }
  }
  const edges = ids.slice(10_000).map((id, i) => ({ taskRunId: id, upstreamId: ids[i] ?? '' }));
  return { taskRuns, states, edges, logs: [] };
}

/** Writes one insert batch and one upsert batch; returns their times in ms. */
async function pair(store: SqlStore): Promise<[number, number]> {
  const flowRunId = newId();
  const ids = Array.from({ length: 30_000 }, newId);
  const first = batch(flowRunId, ids, 'RUNNING');
  const second = batch(flowRunId, ids, 'COMPLETED');
  const t0 = performance.now();
  await store.write(first);
  const t1 = performance.now();
  await store.write(second);
  return [t1 - t0, performance.now() - t1];
}

async function withStore(work: (store: SqlStore) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-bench-'));
  const store = await openSqliteStore(join(dir, 'weft.db'), { busyTimeoutMs: 30_000 });
  try {
    await work(store);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(', ');
const median = (xs: number[]): string => ([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN).toFixed(0);
const report = (label: string, pairs: [number, number][]): void => {
  const inserts = pairs.map((p) => p[0]);
  const upserts = pairs.map((p) => p[1]);
  console.log(`${label} insert ms: ${fmt(inserts)} (median ${median(inserts)})`);
  console.log(`${label} upsert ms: ${fmt(upserts)} (median ${median(upserts)})`);
};

console.log(`batch = 30 000 task runs + 90 000 states + 20 000 edges; ids: ${v7 ? 'UUIDv7' : 'UUIDv4 (random)'}`);
const fresh: [number, number][] = [];
for (let i = 0; i < 5; i++) await withStore(async (store) => void fresh.push(await pair(store)));
report('fresh', fresh);
const grown: [number, number][] = [];
await withStore(async (store) => {
  for (let i = 0; i < 6; i++) grown.push(await pair(store));
});
report('grown', grown);
