/**
 * Throughput of SqlStore.write() on a SQLite file: batches of 30 000 task runs, 90 000 states and
 * 20 000 edges (the shape the hot path writes), first as inserts, then as upserts of the same ids.
 * Run: npx tsx bench/store-write.ts
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RecordBatch, StateRecord, TaskRunRecord } from '../src/store/records.js';
import { openSqliteStore } from '../src/store/sql/sqlite.js';

/** A UUID version 7: 48 bits of Unix ms, then random bits; ids made later sort later. */
function uuidv7(): string {
  const bytes = randomBytes(16);
  const ms = Date.now();
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const ids = process.env.BENCH_IDS === 'v7' ? uuidv7 : randomUUID;

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

const dir = await mkdtemp(join(tmpdir(), 'weft-bench-'));
const store = await openSqliteStore(process.argv[2] ?? join(dir, 'weft.db'), { busyTimeoutMs: 30_000 });
const insertMs: number[] = [];
const upsertMs: number[] = [];
for (let round = 0; round < 6; round++) {
  const flowRunId = ids();
  const taskRunIds = Array.from({ length: 30_000 }, ids);
  const first = batch(flowRunId, taskRunIds, 'RUNNING');
  let t = performance.now();
  await store.write(first);
  insertMs.push(performance.now() - t);
  const second = batch(flowRunId, taskRunIds, 'COMPLETED');
  t = performance.now();
  await store.write(second);
  upsertMs.push(performance.now() - t);
}
await store.close();
await rm(dir, { recursive: true, force: true });
const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(', ');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
console.log(`batch = 30000 task runs + 90000 states + 20000 edges, ids ${process.env.BENCH_IDS === 'v7' ? 'UUIDv7' : 'UUIDv4'}`);
console.log(`insert ms: ${fmt(insertMs)} (median ${median(insertMs).toFixed(0)})`);
console.log(`upsert ms: ${fmt(upsertMs)} (median ${median(upsertMs).toFixed(0)})`);
