/**
 * Issue 12: a password that was not percent-encoded (with `/` or `@`, as generated passwords
 * often have) must not reach any output or the record. These tests run the real `weft` bin
 * against a real redis-server and a real Postgres with such passwords, right and wrong, and scan
 * everything that came out: stdout, stderr, every file under WEFT_HOME, every table in Postgres.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { waitUntil } from '../runners/process-helpers.js';
import { assertBuilt, runWeft, startWeft, tempHome, type WeftResult } from './harness.js';

/**
 * Pieces of each password, each distinctive enough that finding one in an output is a leak: at least
 * four characters, since random ids in the record hold any given two- or three-letter string by chance
 * ('Wq' of an earlier password was found in a log line's random id).
 */
const REDIS_PASSWORD = { text: 'k9Xv/Q7zb@Jm3d', pieces: ['k9Xv', 'Q7zb', 'Jm3d'] };
const WRONG_REDIS_PASSWORDS = [
  { text: 'w8Rb/T5yq@Hn2f', pieces: ['w8Rb', 'T5yq', 'Hn2f'] }, // does not parse as a URL
  { text: 'g4Lc@Pz6m', pieces: ['g4Lc', 'Pz6m'] }, // parses: the URL takes the last '@'
];
const PG_PASSWORD = { text: 'Pg5h/Wq4c@8xTe', pieces: ['Pg5h', 'Wq4c', '8xTe'] };
const WRONG_PG_PASSWORD = { text: 'Bd7u/Xr9s@2kVn', pieces: ['Bd7u', 'Xr9s', '2kVn'] };
const FLOW = ['run', 'examples/redis-cluster.ts', '--param', 'chunks=2', '--param', 'rounds=1'];

function everyFile(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? everyFile(path) : [path];
  });
}

/** Fails naming where a piece of a secret (raw or percent-encoded) was found. */
function expectNoLeak(where: string, text: string, secrets: readonly { text: string; pieces: readonly string[] }[]): void {
  for (const secret of secrets) {
    for (const piece of [...secret.pieces, secret.text, encodeURIComponent(secret.text)]) {
      expect(text.includes(piece), `${where} holds '${piece}' of the password '${secret.text}'`).toBe(false);
    }
  }
}

function expectHomeClean(home: string, secrets: readonly { text: string; pieces: readonly string[] }[]): void {
  const files = everyFile(home);
  expect(files.some((f) => f.endsWith('weft.db'))).toBe(true);
  for (const file of files) expectNoLeak(file, readFileSync(file).toString('latin1'), secrets);
}

function expectOutputClean(what: string, result: Pick<WeftResult, 'stdout' | 'stderr'>, secrets: readonly { text: string; pieces: readonly string[] }[]): void {
  expectNoLeak(`${what} stdout`, result.stdout, secrets);
  expectNoLeak(`${what} stderr`, result.stderr, secrets);
}

describe('a Redis password with / and @ in the address', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    assertBuilt();
    redis = await startRedis({ username: 'app', password: REDIS_PASSWORD.text });
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('connects with the right one and fails on a wrong one, printing and recording neither', async () => {
    const home = tempHome();
    const address = (password: string): string => `redis://app:${password}@127.0.0.1:${redis.port}`;
    const worker = startWeft(home.path, ['worker', address(REDIS_PASSWORD.text), '--nworkers', '1']);
    try {
      await waitUntil(() => worker.output.stdout.includes('taking task runs') || worker.child.exitCode !== null, 'weft worker to start', 60);
      expect(worker.output.stdout + worker.output.stderr).toContain('taking task runs from redis://app:***@127.0.0.1');

      const ok = await runWeft(home.path, FLOW, { WEFT_TASK_RUNNER: 'cluster', WEFT_CLUSTER_ADDRESS: address(REDIS_PASSWORD.text) });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/finished in state Completed/);
      expectOutputClean('weft run (right password)', ok, [REDIS_PASSWORD]);

      for (const wrong of WRONG_REDIS_PASSWORDS) {
        const refused = await runWeft(home.path, FLOW, { WEFT_TASK_RUNNER: 'cluster', WEFT_CLUSTER_ADDRESS: address(wrong.text) });
        expect(refused.code).toBe(1);
        expect(refused.stdout + refused.stderr).toMatch(/Redis at redis:\/\/app:\*\*\*@127\.0\.0\.1:\d+ refused the credentials/);
        expectOutputClean(`weft run (wrong password ${wrong.text})`, refused, [REDIS_PASSWORD, wrong]);
      }
    } finally {
      worker.child.kill('SIGTERM');
      await worker.done;
    }
    expectOutputClean('weft worker', worker.output, [REDIS_PASSWORD]);
    expectHomeClean(home.path, [REDIS_PASSWORD, ...WRONG_REDIS_PASSWORDS]);
    home.remove();
  }, 180_000);
});

describe('a Postgres password with / and @ in WEFT_DATABASE_URL', () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    assertBuilt();
    cluster = await startPostgres({ password: PG_PASSWORD.text });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  it('records into Postgres with the right one and fails on a wrong one, printing and recording neither', async () => {
    const database = await cluster.createDatabase();
    const { port, pathname } = new URL(database);
    const url = (password: string): string => `postgres://postgres:${password}@127.0.0.1:${port}${pathname}`;
    const home = tempHome();

    const ok = await runWeft(home.path, FLOW, { WEFT_DATABASE_URL: url(PG_PASSWORD.text) });
    expect(ok.code, ok.stderr).toBe(0);
    expectOutputClean('weft run (right password)', ok, [PG_PASSWORD]);

    const refused = await runWeft(home.path, FLOW, { WEFT_DATABASE_URL: url(WRONG_PG_PASSWORD.text) });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/\w+: password authentication failed/);
    expectOutputClean('weft run (wrong password)', refused, [PG_PASSWORD, WRONG_PG_PASSWORD]);

    // Everything the record holds, table by table.
    const client = new pg.Client({ connectionString: database });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>(`select table_name from information_schema.tables where table_schema = 'public'`);
      expect(tables.rows.map((t) => t.table_name)).toContain('flow_runs');
      let rows = 0;
      for (const { table_name: table } of tables.rows) {
        const all = await client.query(`select * from "${table}"`);
        rows += all.rowCount ?? 0;
        expectNoLeak(`table ${table}`, JSON.stringify(all.rows), [PG_PASSWORD, WRONG_PG_PASSWORD]);
      }
      expect(rows).toBeGreaterThan(0);
    } finally {
      await client.end();
    }
    home.remove();
  }, 120_000);
});
