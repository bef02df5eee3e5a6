import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../src/store/sql/sqlite.js';

const seqIds = process.argv[2] === 'seq';
const file = join(mkdtempSync(join(tmpdir(), 'exp-')), 'w.db');
const s = await openSqliteStore(file, { busyTimeoutMs: 1000 }); await s.close();
const db = new Database(file); db.pragma('journal_mode=WAL'); db.pragma('synchronous=NORMAL'); db.pragma('cache_size=-65536');
let counter = 0;
const id = () => seqIds ? (Date.now().toString(16).padStart(12,'0') + (counter++).toString(16).padStart(20,'0')) : randomUUID();
const now = new Date().toISOString();
const N = 30000;
const cols = 'id, flow_run_id, name, task_key, dynamic_key, map_index, tags, state_type, state_name, state_message, state_timestamp, run_count, created_at, start_time, end_time';
const tr = db.prepare(`insert into task_runs (${cols}) values (${cols.split(',').map(()=>'?').join(',')})`);
const st = db.prepare(`insert into states (run_id, run_kind, type, name, message, timestamp) values (?,?,?,?,?,?)`);
const ed = db.prepare(`insert into task_run_edges (task_run_id, upstream_id) values (?,?) on conflict do nothing`);
for (let round = 0; round < 5; round++) {
  const fr = id();
  const ids = Array.from({ length: N }, id);
  const t0 = performance.now();
  db.exec('begin immediate');
  for (let i = 0; i < N; i++) tr.run(ids[i], fr, 'x'+i, 'k', String(i), i, '[]', 'RUNNING', 'Running', null, now, 1, now, now, null);
  const t1 = performance.now();
  for (const x of ids) for (let k = 0; k < 3; k++) st.run(x, 'task', 'RUNNING', 'Running', null, now);
  const t2 = performance.now();
  for (let i = 10000; i < N; i++) ed.run(ids[i], ids[i-10000]);
  const t3 = performance.now();
  db.exec('commit');
  const t4 = performance.now();
  console.log(`taskruns ${(t1-t0).toFixed(0)} states ${(t2-t1).toFixed(0)} edges ${(t3-t2).toFixed(0)} commit ${(t4-t3).toFixed(0)} total ${(t4-t0).toFixed(0)}`);
}
