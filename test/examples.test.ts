import { existsSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, ROOT, runWeft, runWeftJson, startWeft, tempHome, useTempHome, waitUntil } from './cli/harness.js';
import { startRedis } from './helpers/redis.js';
import { startReceiver } from './automations/receiver.js';

interface RunDoc {
  readonly flowRunId: string;
  readonly state: { readonly type: string; readonly name: string };
  readonly result: unknown;
}

interface ShowDoc {
  readonly taskRuns: readonly {
    readonly name: string;
    readonly taskKey: string;
    readonly upstream: readonly string[];
    readonly attempts: number;
    readonly state: { readonly name: string };
  }[];
}

// The examples are real flows: the suite runs each through the real CLI, as CI does.
describe('examples/', () => {
  const home = useTempHome(); // made in beforeAll: a filtered run (-t) leaves no directory behind
  beforeAll(() => assertBuilt());

  it('seed workload: inc/dec/add maps and sum give 9900 for n=100, every edge recorded', async () => {
    const { result, doc } = await runWeftJson<RunDoc>(home.path, ['run', 'examples/dask-example.ts', '--param', 'n=100', '--json']);
    expect(result.code).toBe(0);
    expect(doc.result).toBe(9900);
    const show = await runWeftJson<ShowDoc>(home.path, ['runs', 'show', doc.flowRunId, '--json']);
    expect(show.doc.taskRuns).toHaveLength(301);
    const sum = show.doc.taskRuns.find((t) => t.taskKey === 'examples/dask-example.ts:sum');
    expect(sum?.upstream).toHaveLength(100);
    expect(show.doc.taskRuns.filter((t) => t.taskKey.endsWith(':add')).every((t) => t.upstream.length === 2)).toBe(true);
  });

  it('ETL: filters bad rows, aggregates by month and region, writes the CSV', async () => {
    const output = join(home.path, 'covid-monthly.csv');
    const { result, doc } = await runWeftJson<RunDoc>(home.path, ['run', 'examples/covid-etl.ts', '--param', `output=${output}`, '--json']);
    expect(result.code).toBe(0);
    expect(doc.result).toEqual({ path: output, months: 6 });
    const lines = readFileSync(output, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('month,region,cases,deaths');
    expect(lines).toHaveLength(1 + 6 * 3); // six months, three regions; the invalid rows are gone
    expect(lines.some((l) => l.includes('West'))).toBe(false);
  });

  it('deployments: deploy once, then a flow asks for runs of it, each parented to the flow and due now', async () => {
    const deployed = await runWeft(home.path, ['deploy', 'examples/deployments.ts:report', '--name', 'nightly', '--param', 'day=2026-11-01', '--cron', '0 2 * * *', '--timezone', 'Europe/Berlin']);
    expect(deployed.code, deployed.stderr).toBe(0);
    const { result, doc } = await runWeftJson<RunDoc>(home.path, ['run', 'examples/deployments.ts:fanOut', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(doc.result).toEqual([expect.stringMatching(/: Scheduled \{"day":"2026-11-01"\}$/), expect.stringMatching(/: Scheduled \{"day":"2026-11-02"\}$/)]);
    const runs = await runWeftJson<{ parentFlowRunId: string | null; flowName: string }[]>(home.path, ['runs', 'ls', '--flow', 'daily-report', '--json']);
    expect(runs.doc.map((r) => r.parentFlowRunId)).toEqual([doc.flowRunId, doc.flowRunId]);
  });

  it('warehouse limits: the tag limit bounds the loads, concurrency() the reads, and no slot is left held', async () => {
    for (const args of [
      ['limits', 'create', 'tag:warehouse', '--limit', '3'],
      ['limits', 'create', 'source-db', '--limit', '2'],
      ['limits', 'create', 'metadata-api', '--limit', '5', '--decay', '50'],
    ]) {
      const created = await runWeft(home.path, args);
      expect(created.code, created.stderr).toBe(0);
    }
    const { result, doc } = await runWeftJson<RunDoc>(home.path, ['run', 'examples/warehouse-limits.ts', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const outcome = doc.result as { tables: number; mostLoading: number; mostReading: number };
    expect(outcome.tables).toBe(12);
    expect(outcome.mostLoading).toBeLessThanOrEqual(3);
    expect(outcome.mostReading).toBeLessThanOrEqual(2);
    const { doc: limits } = await runWeftJson<Array<{ name: string; activeSlots: number }>>(home.path, ['limits', 'ls', '--json']);
    expect(limits.find((l) => l.name === 'tag:warehouse')?.activeSlots).toBe(0);
    expect(limits.find((l) => l.name === 'source-db')?.activeSlots).toBe(0);
  }, 300_000);

  it('approval: a paused run is resumed from another process with typed input, or rejected', async () => {
    const running = startWeft(home.path, ['run', 'examples/approval.ts', '--param', 'week=2026-W49', '--json']);
    let id = '';
    for (const deadline = Date.now() + 120_000; id === '' && Date.now() < deadline; ) {
      const ls = await runWeft(home.path, ['runs', 'ls', '--flow', 'weekly-report', '--state', 'PAUSED', '--json']);
      id = ls.code === 0 ? ((JSON.parse(ls.stdout) as { id: string }[])[0]?.id ?? '') : '';
    }
    expect(id, 'the flow pauses').not.toBe('');
    const resumed = await runWeft(home.path, ['runs', 'resume', id, '--input', '{"approved": true, "channel": "#exec"}']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const done = await running.done;
    expect(done.code, done.stderr).toBe(0);
    expect((JSON.parse(done.stdout) as RunDoc).result).toBe('published 2026-W49 to #exec');
  }, 300_000);

  it('retries and failures: retried calls succeed, a timeout and a failure are handled, the flow completes', async () => {
    const { result, doc } = await runWeftJson<RunDoc>(home.path, ['run', 'examples/retries-and-failures.ts', '--json']);
    expect(result.code).toBe(0);
    expect(doc.result).toEqual({ items: 60, slowQuery: 'TimedOut', brokenStep: 'FAILED', cleanup: 'cleaned up after: the upstream API returned 500' });
    const show = await runWeftJson<ShowDoc>(home.path, ['runs', 'show', doc.flowRunId, '--json']);
    const fetches = show.doc.taskRuns.filter((t) => t.name.startsWith('flaky-fetch'));
    expect(fetches.map((t) => t.attempts)).toEqual([3, 3, 3]);
  });

  it('notify on failure: a failed import posts one Slack message with flow, run, error and link to SLACK_WEBHOOK_URL; a good one none', async () => {
    const receiver = await startReceiver();
    try {
      const env = { SLACK_WEBHOOK_URL: `${receiver.url}/services/T/B/X`, WEFT_NOTIFICATIONS_ALLOW_PRIVATE_URLS: 'true', WEFT_NOTIFICATIONS_UI_URL: 'http://weft.example.com' };
      const good = await runWeft(home.path, ['run', 'examples/notify-on-failure.ts', '--json'], env);
      expect(good.code, good.stderr).toBe(0);
      expect((JSON.parse(good.stdout) as RunDoc).result).toBe('imported 1200 orders');
      const bad = await runWeft(home.path, ['run', 'examples/notify-on-failure.ts', '--param', 'broken=true', '--json'], env);
      expect(bad.code).not.toBe(0);
      const failed = JSON.parse(bad.stdout) as RunDoc;
      expect(failed.state.type).toBe('FAILED');
      expect(receiver.received).toHaveLength(1);
      expect(receiver.received[0]?.path).toBe('/services/T/B/X');
      const text = (JSON.parse(receiver.received[0]?.body ?? '{}') as { text: string }).text;
      expect(text).toContain('Flow run nightly-import/');
      expect(text).toContain('entered state Failed');
      expect(text).toContain('amount "12,5O" is not a number');
      expect(text).toContain(`http://weft.example.com/runs/${failed.flowRunId}`);
    } finally {
      await receiver.close();
    }
  });

  it('daily download: the second run of the day reads the stored download instead of downloading again', async () => {
    const first = await runWeftJson<RunDoc>(home.path, ['run', 'examples/daily-download.ts', '--json']);
    const second = await runWeftJson<RunDoc>(home.path, ['run', 'examples/daily-download.ts', '--json']);
    expect(first.result.code).toBe(0);
    expect(second.doc.result).toEqual(first.doc.result);
    const states = async (id: string) => (await runWeftJson<ShowDoc>(home.path, ['runs', 'show', id, '--json'])).doc.taskRuns;
    expect((await states(first.doc.flowRunId)).find((t) => t.name === 'download-0')?.state.name).toBe('Completed');
    expect((await states(second.doc.flowRunId)).find((t) => t.name === 'download-0')?.state.name).toBe('Cached');
  });

  it('region report: publishes a table, a markdown summary and a progress bar; a variable changes the summary', async () => {
    const first = await runWeftJson<RunDoc>(home.path, ['run', 'examples/region-report.ts', '--json']);
    expect(first.result.code, first.result.stderr).toBe(0);
    expect(first.doc.result).toEqual({ regions: 4, high: ['East', 'North', 'South'] });
    expect((await runWeft(home.path, ['variables', 'set', 'report_min_cases', '20000', '--overwrite'])).code).toBe(0);
    const second = await runWeftJson<RunDoc>(home.path, ['run', 'examples/region-report.ts', '--json']);
    expect(second.doc.result).toEqual({ regions: 4, high: ['East', 'North'] });
    type Shown = { latest: { flowRunId: string; data: unknown }; history: { flowRunId: string }[] };
    const report = await runWeftJson<Shown>(home.path, ['artifacts', 'show', 'region-report', '--json']);
    expect(report.doc.latest.flowRunId).toBe(second.doc.flowRunId);
    expect(report.doc.latest.data).toContain('Regions with at least 20000 cases');
    expect(report.doc.history.map((a) => a.flowRunId)).toEqual([second.doc.flowRunId, first.doc.flowRunId]);
    const table = await runWeftJson<Shown>(home.path, ['artifacts', 'show', 'cases-by-region', '--json']);
    expect(table.doc.latest.data).toEqual({
      columns: ['region', 'cases', 'deaths', 'fatality'],
      rows: [['East', 44358, 794, 1.79], ['North', 29539, 508, 1.72], ['South', 18418, 298, 1.62], ['West', 0, 0, null]],
    });
    const bars = await runWeftJson<{ data: number }[]>(home.path, ['artifacts', 'ls', '--run', second.doc.flowRunId, '--type', 'progress', '--json']);
    expect(bars.doc.map((a) => a.data)).toEqual([100]);
  });

  it('four weft run processes record into one database at once without "database is locked"', async () => {
    const shared = tempHome();
    try {
      const runs = await Promise.all(
        Array.from({ length: 4 }, () => runWeft(shared.path, ['run', 'examples/dask-example.ts', '--param', 'n=300', '--json'])),
      );
      for (const r of runs) {
        expect(r.stderr, r.stderr).not.toMatch(/locked|busy/i);
        expect(r.code, `exit ${r.code}; stderr:\n${r.stderr}\nstdout:\n${r.stdout}`).toBe(0);
        expect((JSON.parse(r.stdout) as RunDoc).result).toBe(2 * 300 * 299 / 2);
      }
      const list = await runWeftJson<{ state: { type: string } }[]>(shared.path, ['runs', 'ls', '--json']);
      expect(list.doc.filter((r) => r.state.type === 'COMPLETED'), JSON.stringify(list.doc.map((r) => r.state))).toHaveLength(4);
    } finally {
      shared.remove();
    }
  });

  it('local cluster: counts the primes below 2 000 000 on two worker processes, every task run recorded', async () => {
    const { result, doc } = await runWeftJson<RunDoc>(home.path, ['run', 'examples/local-cluster.ts', '--param', 'limit=2000000', '--param', 'chunks=8', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(doc.result).toEqual({ limit: 2_000_000, chunks: 8, primes: 148_933, workers: 2 });
    const show = await runWeftJson<ShowDoc>(home.path, ['runs', 'show', doc.flowRunId, '--json']);
    const counts = show.doc.taskRuns.filter((t) => t.taskKey === 'examples/local-cluster.ts:count-primes');
    expect(counts).toHaveLength(8);
    expect(counts.every((t) => t.state.name === 'Completed' && t.attempts === 1)).toBe(true);
    const sum = show.doc.taskRuns.find((t) => t.taskKey === 'examples/local-cluster.ts:sum');
    expect(sum?.state.name).toBe('Completed');
    expect(sum?.upstream).toHaveLength(8);
    const logs = await runWeft(home.path, ['logs', doc.flowRunId]);
    expect(logs.stdout).toMatch(/Task runs execute on ClusterTaskRunner\(LocalCluster\(local:\/\/\w+, 2 workers × 1\)\)/);
    expect(logs.stdout).toMatch(/17325 primes in \[1750000, 2000000\) on worker process \d+/); // a worker's log line, relayed and recorded
  });

  it('Redis cluster: a flow with no runner in code runs on `weft worker` processes chosen by WEFT_TASK_RUNNER and WEFT_CLUSTER_ADDRESS', async () => {
    const redis = await startRedis();
    const worker = startWeft(home.path, ['worker', redis.url, '--nworkers', '2']);
    try {
      await waitUntil(() => worker.output.stdout.includes('taking task runs'), `weft worker to start; stderr:\n${worker.output.stderr}`, 30_000);
      const onCluster = await runWeft(home.path, ['run', 'examples/redis-cluster.ts', '--param', 'chunks=12', '--json'], {
        WEFT_TASK_RUNNER: 'cluster',
        WEFT_CLUSTER_ADDRESS: redis.url,
      });
      expect(onCluster.code, onCluster.stderr).toBe(0);
      const clustered = JSON.parse(onCluster.stdout) as RunDoc & { result: { digest: string; ranOn: string[] } };
      const inProcess = await runWeftJson<RunDoc & { result: { digest: string; ranOn: string[] } }>(home.path, ['run', 'examples/redis-cluster.ts', '--param', 'chunks=12', '--json']);
      expect(clustered.result.digest).toBe(inProcess.doc.result.digest); // the same answer wherever the chunks ran
      const info = await runWeftJson<{ workers: { host: string; pid: number }[] }>(home.path, ['cluster', 'info', redis.url, '--json']);
      const workerProcesses = info.doc.workers.map((w) => `${w.host}:${w.pid}`);
      expect(workerProcesses).toHaveLength(2);
      expect(clustered.result.ranOn.length).toBeGreaterThan(0);
      expect(workerProcesses).toEqual(expect.arrayContaining(clustered.result.ranOn)); // the tasks ran on the workers
      expect(inProcess.doc.result.ranOn.some((p) => workerProcesses.includes(p))).toBe(false);
      const show = await runWeftJson<ShowDoc>(home.path, ['runs', 'show', clustered.flowRunId, '--json']);
      expect(show.doc.taskRuns).toHaveLength(13);
      expect(show.doc.taskRuns.every((t) => t.state.name === 'Completed')).toBe(true);
      worker.child.kill('SIGTERM'); // stops after running attempts finish, exit code 0
      const stopped = await worker.done;
      expect(stopped.code, stopped.stderr).toBe(0);
      expect(stopped.stderr).toContain('Stopped.');
    } finally {
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGTERM');
      await worker.done;
      await redis.stop();
    }
  });

  it('visualize: the ETL is drawn without running (maps with their count) and then runs for real', async () => {
    const drawn = await runWeft(home.path, ['visualize', 'examples/visualize-example.ts', '--param', 'days=3', '--format', 'mermaid']);
    expect(drawn.code, drawn.stderr).toBe(0);
    expect(drawn.stdout).toMatch(/n0\[\["download ×3"\]\][\s\S]*n3\[\["clamp ×\?"\]\][\s\S]*n4 --> n5/);
    const { result, doc } = await runWeftJson<RunDoc>(home.path, ['run', 'examples/visualize-example.ts', '--param', 'days=3', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(doc.result).toBe('sent: 9 values, total 10');
  });

  afterAll(() => {
    const out = join(ROOT, 'out');
    if (existsSync(out)) rmSync(out, { recursive: true, force: true });
  });
});

describe('examples/github-archive.ts (resources: the cluster chosen by data size)', () => {
  const home = useTempHome(); // made in beforeAll: a filtered run (-t) leaves no directory behind
  beforeAll(() => assertBuilt());

  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const portOpen = (port: number): Promise<boolean> =>
    new Promise((resolveOpen) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolveOpen(!socket.destroy()));
      socket.once('error', () => resolveOpen(false));
    });
  /** Worker pids and the Redis port the `cluster.setup` task run logged. */
  const setupLog = async (flowRunId: string): Promise<{ pids: number[]; port: number | undefined }> => {
    const logs = (await runWeft(home.path, ['logs', flowRunId])).stdout;
    const pids = (/worker pids ([\d ]+)/.exec(logs)?.[1] ?? '').trim().split(' ').map(Number);
    const port = /redis:\/\/127\.0\.0\.1:(\d+)/.exec(logs)?.[1];
    return { pids, port: port === undefined ? undefined : Number(port) };
  };
  const resourceRuns = async (flowRunId: string) => {
    const show = await runWeftJson<ShowDoc>(home.path, ['runs', 'show', flowRunId, '--json']);
    return show.doc.taskRuns.filter((t) => t.name.startsWith('cluster.')).map((t) => `${t.name} ${t.state.name}`).sort();
  };
  const expected = { events: 1200, topRepos: expect.any(Array) as unknown, byType: expect.any(Object) as unknown };

  it('small data runs on a LocalCluster; setup and cleanup are recorded, no worker is left', async () => {
    const { result, doc } = await runWeftJson<RunDoc>(home.path, ['run', 'examples/github-archive.ts', '--param', 'hours=3', '--param', 'eventsPerHour=400', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(doc.result).toMatchObject({ ...expected, cluster: 'local' });
    expect(await resourceRuns(doc.flowRunId)).toEqual(['cluster.cleanup-0 Completed', 'cluster.setup-0 Completed']);
    const { pids } = await setupLog(doc.flowRunId);
    expect(pids).toHaveLength(2);
    expect(pids.filter(alive)).toEqual([]);
  });

  it('large data starts redis-server and Redis workers, and stops them all after the run', async () => {
    const { result, doc } = await runWeftJson<RunDoc>(home.path, ['run', 'examples/github-archive.ts', '--param', 'hours=3', '--param', 'eventsPerHour=400', '--param', 'largeAbove=1000', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(doc.result).toMatchObject({ ...expected, cluster: 'redis' });
    expect(await resourceRuns(doc.flowRunId)).toEqual(['cluster.cleanup-0 Completed', 'cluster.setup-0 Completed']);
    const { pids, port } = await setupLog(doc.flowRunId);
    expect(pids).toHaveLength(2);
    expect(pids.filter(alive)).toEqual([]);
    expect(port).toBeDefined();
    expect(await portOpen(port!)).toBe(false); // the redis-server it started is gone
  });

  it('large data on a given Redis leaves none of the run’s keys there, also when the run is cancelled', async () => {
    const redis = await startRedis();
    const client = new Redis(redis.url);
    try {
      const args = ['run', 'examples/github-archive.ts', '--param', 'hours=3', '--param', 'eventsPerHour=400', '--param', 'largeAbove=1000', '--param', `redisUrl=${redis.url}`, '--json'];
      const { result, doc } = await runWeftJson<RunDoc>(home.path, args);
      expect(result.code, result.stderr).toBe(0);
      expect(doc.result).toMatchObject({ ...expected, cluster: 'redis' });
      expect((await setupLog(doc.flowRunId)).pids.filter(alive)).toEqual([]);
      expect(await client.keys('*')).toEqual([]);

      // Cancelled mid-run (SIGTERM): cleanup still runs, once, before the process exits.
      const long = startWeft(home.path, ['run', 'examples/github-archive.ts', '--param', 'hours=400', '--param', 'eventsPerHour=200000', '--param', `redisUrl=${redis.url}`]);
      await waitUntil(() => /summarize-archive/.test(long.output.stdout + long.output.stderr), `the ETL to start:\n${long.output.stderr}`, 60_000);
      long.child.kill('SIGTERM');
      const stopped = await long.done;
      expect(stopped.code, stopped.stderr).toBe(143);
      const runs = await runWeftJson<{ id: string; flowName: string; state: { type: string } }[]>(home.path, ['runs', 'ls', '--flow', 'github-archive', '--json']);
      const cancelled = runs.doc[0]!;
      expect(cancelled.state.type).toBe('CANCELLED');
      expect(await resourceRuns(cancelled.id)).toEqual(['cluster.cleanup-0 Completed', 'cluster.setup-0 Completed']);
      expect((await setupLog(cancelled.id)).pids.filter(alive)).toEqual([]);
      expect(await client.keys('*')).toEqual([]);
    } finally {
      client.disconnect();
      await redis.stop();
    }
  }, 180_000);
});
