/**
 * A secret read by a flow run through the server and used by tasks on a Redis worker: it reaches
 * the tasks, and is absent (masked as ***) from the stored record, the API, the live event stream
 * (SSE), what the worker sent back through Redis, and the CLI's output. The CLI sets it from
 * stdin and refuses it as an argument.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ClusterTaskRunner, createRuntime, flow, getRunContext, secret, type WeftRuntime } from '../../src/index.js';
import { RedisCluster } from '../../src/runners/redis/redis-cluster.js';
import { maskedForms } from '../../src/secret-masks.js';
import { loadSettings } from '../../src/settings.js';
import { assertBuilt, ROOT, runWeft } from '../cli/harness.js';
import { useRedis } from '../helpers/redis.js';
import { startTestServer, type TestServer } from '../helpers/weft-server.js';
import { failWithToken, useToken } from './fixtures/secret-tasks.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const apiKey = `key-${randomBytes(8).toString('hex')}`;
const value = `wh-${randomBytes(12).toString('hex')}`;
/** Every form of the value that must not appear anywhere. */
const forms = [...maskedForms(value), Buffer.from(`etl:${value}`).toString('base64')];

function expectAbsent(where: string, text: string): void {
  for (const form of forms) expect(text.includes(form), `${where} holds the secret (as '${form}')`).toBe(false);
}

const redis = useRedis();
let server: TestServer;
let home = '';
let cluster: RedisCluster;
let rt: WeftRuntime;

/** `weft …` as a client of the test server, with `input` on stdin. */
function weft(args: readonly string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'weft.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, WEFT_HOME: home, WEFT_API_URL: server.url, WEFT_API_KEY: apiKey },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  assertBuilt();
  server = await startTestServer({ apiKey });
  home = mkdtempSync(join(tmpdir(), 'weft-secret-client-'));
  cluster = new RedisCluster({ url: redis().url, nWorkers: 1, concurrency: 2 });
  await cluster.ready();
  rt = createRuntime({ settings: loadSettings({ WEFT_HOME: home, WEFT_API_URL: server.url, WEFT_API_KEY: apiKey, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' }) });
});
afterAll(async () => {
  await rt?.close();
  await cluster?.close();
  await server?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('weft secrets', () => {
  it('refuses a value on the command line with exit 2, saying why, and sets nothing', async () => {
    const result = await weft(['secrets', 'set', 'warehouse-password', value], '');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/never from the command line, where shell history and `ps` would keep it/);
    expectAbsent('stderr', result.stderr);
    const list = await weft(['secrets', 'ls', '--json'], '');
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it('sets a secret from stdin through the server and lists names only', async () => {
    const set = await weft(['secrets', 'set', 'warehouse-password'], `${value}\n`);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe('Set secret warehouse-password.\n');
    const list = await weft(['secrets', 'ls'], '');
    expect(list.stdout).toMatch(/^NAME\s+CREATED\s+UPDATED\n/);
    expect(list.stdout).toContain('warehouse-password');
    expectAbsent('weft secrets ls', list.stdout + list.stderr);
    const empty = await weft(['secrets', 'set', 'nothing-here'], '');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/No value for secret 'nothing-here' was given/);
    const bad = await weft(['secrets', 'set', 'bad name'], 'x-value');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/may only hold letters, digits/);
  });
});

describe('a secret used by tasks on a Redis worker', () => {
  let flowRunId = '';
  let events = '';

  it('reaches the tasks and is masked in the record, the API, SSE, Redis and the CLI', async () => {
    // Listen to the live events before the run starts.
    const listening = new AbortController();
    const stream = await fetch(`${server.url}/api/v1/events`, { headers: { authorization: `Bearer ${apiKey}` }, signal: listening.signal });
    const reading = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>) events += decoder.decode(chunk, { stream: true });
      } catch {
        // aborted below
      }
    })();

    const runner = new ClusterTaskRunner({ cluster });
    const usesSecret = flow({ name: 'secret-on-redis', taskRunner: runner }, async () => {
      flowRunId = getRunContext().flowRun?.id ?? '';
      const token = await secret('warehouse-password');
      const length = await useToken(token);
      const failed = await failWithToken.submit(token).wait();
      return { length, failed: failed.type };
    });
    const result = await rt.run(() => usesSecret({}));
    expect(result).toEqual({ length: value.length, failed: 'FAILED' });
    await (await rt.client()).recorder.flush();

    const auth = { authorization: `Bearer ${apiKey}` };
    const logs = await (await fetch(`${server.url}/api/v1/flow-runs/${flowRunId}/logs`, { headers: auth })).text();
    expect(logs).toContain('connecting with ***');
    // The base64 characters that also carry the bytes around the value stay (a few bits of its first and last byte).
    expect(logs).toMatch(/Authorization: Basic [A-Za-z0-9+/]{0,8}\*\*\*[A-Za-z0-9+/]{0,3}=*"/);
    expect(logs).toContain('Caused by: Error: token *** expired'); // the failure's log line carries its cause chain
    expectAbsent('the logs API', logs);
    const taskRuns = (await (await fetch(`${server.url}/api/v1/flow-runs/${flowRunId}/task-runs`, { headers: auth })).json()) as { id: string }[];
    expect(taskRuns.length).toBe(2);
    let states = '';
    for (const run of taskRuns) states += await (await fetch(`${server.url}/api/v1/task-runs/${run.id}/states`, { headers: auth })).text();
    expect(states).toContain('the warehouse refused https://db.example/?pw=***');
    expectAbsent('the task-run states API', states);
    expectAbsent('the flow-run API', await (await fetch(`${server.url}/api/v1/flow-runs/${flowRunId}`, { headers: auth })).text());

    // Every event of the run has streamed once its final state has.
    const deadline = Date.now() + 30_000;
    while (!events.includes('Completed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    listening.abort();
    await reading;
    expect(events).toContain('connecting with ***');
    expectAbsent('the event stream', events);

    // What the worker sent back through Redis (the jobs' return values) holds no secret.
    const client = new Redis(redis().url);
    try {
      const keys = await client.keys('*');
      let returned = '';
      for (const key of keys) if ((await client.type(key)) === 'hash') returned += (await client.hget(key, 'returnvalue')) ?? '';
      expect(returned).toContain('connecting with ***');
      expectAbsent('the Redis job results', returned);
    } finally {
      client.disconnect();
    }

    const cliLogs = await runWeft(home, ['logs', flowRunId], { WEFT_API_URL: server.url, WEFT_API_KEY: apiKey });
    expect(cliLogs.code, cliLogs.stderr).toBe(0);
    expect(cliLogs.stdout).toContain('connecting with ***');
    expectAbsent('weft logs', cliLogs.stdout + cliLogs.stderr);
    const cliRun = await runWeft(home, ['runs', 'show', flowRunId], { WEFT_API_URL: server.url, WEFT_API_KEY: apiKey });
    expectAbsent('weft runs show', cliRun.stdout + cliRun.stderr);
  });
});
