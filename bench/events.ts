/**
 * Events and automations (issue 17), run by `npm run bench` (BENCH_EVENTS=0 skips it) or alone:
 * `npx tsx bench/events.ts` (after `npm run build`: the servers are `weft server start` processes).
 *
 * - The seed workload in client mode (WEFT_API_URL) against a server with no automations and
 *   against one with 100 enabled automations, alternating, in the same command: task runs/s as
 *   medians and their ratio (target: at most 10 % slower). Of the 100, most never fire on the
 *   seed's events (other tags, flows, pools, custom event names, task-run failures, compound and
 *   proactive triggers), though every one of them is evaluated against each of its events; a
 *   proactive one opens and resolves a window per seed run; three fire once per seed flow run
 *   (a webhook on `weft.flow-run.Completed` of the seed's flow).
 * - Time from a run's failure (just before its FAILED state is sent to the server) to the arrival
 *   of the Slack-style post at a loopback HTTP receiver, on the server with 100 automations:
 *   p50 / p99 over BENCH_EVENTS_FAILURES failures (default 30; target p99 <= 2 s). The baseline is
 *   the round trip of the FAILED state request itself.
 *
 * Env: BENCH_N (seed size, default 10000), BENCH_REPEATS (default 3), BENCH_EVENTS_FAILURES.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median } from './run-child.js';
import type { Measurement } from './run-child.js';
import { startServerProcess } from './server-process.js';
import type { ServerProcess } from './server-process.js';
import { col, expectation, verdict } from './targets.js';

const seedScript = fileURLToPath(new URL('./workloads/seed.ts', import.meta.url));

/** A post the receiver got, with when it arrived (performance.now() of this process). */
interface Arrival {
  readonly path: string;
  readonly body: string;
  readonly at: number;
}

/** A loopback HTTP receiver that notes when each post arrives and wakes whoever waits for one. */
async function startReceiver(): Promise<{ url: string; arrivals: Arrival[]; waitFor(match: (a: Arrival) => boolean, timeoutMs: number): Promise<Arrival>; close(): Promise<void> }> {
  const arrivals: Arrival[] = [];
  const waiters = new Set<{ match: (a: Arrival) => boolean; resolve: (a: Arrival) => void }>();
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const arrival = { path: request.url ?? '', body, at: performance.now() };
      arrivals.push(arrival);
      for (const w of waiters) {
        if (!w.match(arrival)) continue;
        waiters.delete(w);
        w.resolve(arrival);
      }
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    waitFor(match, timeoutMs) {
      const found = arrivals.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve: (a: Arrival) => (clearTimeout(timer), resolve(a)) };
        const timer = setTimeout(() => (waiters.delete(waiter), reject(new Error(`no notification within ${timeoutMs} ms`))), timeoutMs);
        waiters.add(waiter);
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Runs the seed workload in a child process (asynchronously: the receiver keeps listening). */
function seedRun(n: number, apiUrl: string): Promise<Measurement> {
  const home = mkdtempSync(join(tmpdir(), 'weft-bench-events-'));
  const child = spawn(process.execPath, ['--import', 'tsx', seedScript, String(n), 'weft'], {
    env: { ...process.env, WEFT_HOME: home, WEFT_API_URL: apiUrl, WEFT_LOGGING_CONSOLE_LEVEL: 'ERROR' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      rmSync(home, { recursive: true, force: true });
      if (code !== 0) reject(new Error(`the seed workload exited ${code}:\n${err}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as Measurement);
    });
  });
}

async function post(url: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path} answered ${response.status}: ${text}`);
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

/** The 100 automations: 96 that never fire on the seed's events, a proactive one that opens and resolves a window per seed run, three that fire per seed flow run. */
function automations(receiver: string): Record<string, unknown>[] {
  const never = (i: number) => ({ type: 'webhook', url: `${receiver}/never/${i}` });
  const tagged = (tag: string) => ({ 'weft.resource.id': `weft.tag.${tag}` });
  const list: Record<string, unknown>[] = [];
  for (let i = 0; i < 25; i++) list.push({ name: `failures of team ${i}`, trigger: { type: 'event', expect: ['weft.flow-run.Failed', 'weft.flow-run.Crashed'], matchRelated: tagged(`team-${i}`) }, actions: [{ type: 'slack', url: `${receiver}/never/slack-${i}` }] });
  for (let i = 0; i < 20; i++) list.push({ name: `task failures ${i}`, trigger: { type: 'event', expect: ['weft.task-run.Failed'], forEach: ['weft.resource.id'], threshold: 3, within: 600 }, actions: [never(100 + i)] });
  for (let i = 0; i < 15; i++) list.push({ name: `any task event of pool ${i}`, trigger: { type: 'event', expect: ['weft.task-run.*'], matchRelated: tagged(`pool-${i}`) }, actions: [never(200 + i)] });
  for (let i = 0; i < 15; i++) {
    list.push({
      name: `stuck runs of flow ${i}`,
      trigger: { type: 'event', posture: 'Proactive', after: ['weft.flow-run.Running'], expect: ['weft.flow-run.Completed'], forEach: ['weft.resource.id'], within: 3600, matchRelated: { 'weft.resource.id': `weft.flow.other-flow-${i}` } },
      actions: [never(300 + i)],
    });
  }
  for (let i = 0; i < 10; i++) {
    list.push({
      name: `orders and payments ${i}`,
      trigger: { type: 'compound', require: 'all', within: 300, triggers: [{ type: 'event', expect: [`shop-${i}.order.*`] }, { type: 'event', expect: [`shop-${i}.payment.failed`] }] },
      actions: [never(400 + i)],
    });
  }
  for (let i = 0; i < 10; i++) list.push({ name: `deployment changes ${i}`, trigger: { type: 'event', expect: ['weft.deployment.paused'], match: { 'weft.resource.id': `weft.deployment.d-${i}` } }, actions: [never(500 + i)] });
  list.push({
    name: 'seed runs stuck',
    trigger: { type: 'event', posture: 'Proactive', after: ['weft.flow-run.Running'], expect: ['weft.flow-run.Completed'], forEach: ['weft.resource.id'], within: 3600, matchRelated: { 'weft.resource.id': 'weft.flow.bench-seed' } },
    actions: [never(600)],
  });
  for (let i = 0; i < 3; i++) {
    list.push({ name: `seed done ${i}`, trigger: { type: 'event', expect: ['weft.flow-run.Completed'], matchRelated: { 'weft.resource.id': 'weft.flow.bench-seed' } }, actions: [{ type: 'webhook', url: `${receiver}/seed-done/${i}` }] });
  }
  list.push({ name: 'latency failures to Slack', trigger: { type: 'event', expect: ['weft.flow-run.Failed'], matchRelated: tagged('bench-latency') }, actions: [{ type: 'slack', url: `${receiver}/latency` }] });
  return list;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** Fails `count` runs through the API one after another; gives each one's time to its notification and the state request's round trip, in ms. */
async function failureLatencies(server: ServerProcess, receiver: Awaited<ReturnType<typeof startReceiver>>, count: number): Promise<{ latencies: number[]; roundTrips: number[] }> {
  const latencies: number[] = [];
  const roundTrips: number[] = [];
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    const name = `latency-${i}-${id.slice(0, 8)}`;
    const now = new Date().toISOString();
    await post(server.url, '/api/v1/flow-runs', {
      id,
      name,
      flowName: 'bench-latency',
      parameters: {},
      parentFlowRunId: null,
      tags: ['bench-latency'],
      state: { type: 'RUNNING', name: 'Running', timestamp: now },
      runCount: 1,
      createdAt: now,
      startTime: now,
      endTime: null,
    });
    const arrived = receiver.waitFor((a) => a.path === '/latency' && a.body.includes(name), 30_000);
    const failedAt = performance.now();
    await post(server.url, `/api/v1/flow-runs/${id}/state`, { state: { type: 'FAILED', name: 'Failed', message: 'bench failure', timestamp: new Date().toISOString(), error: { name: 'Error', message: 'disk full', stack: '' } } });
    roundTrips.push(performance.now() - failedAt);
    latencies.push((await arrived).at - failedAt);
  }
  return { latencies, roundTrips };
}

/** Runs the events benchmarks and prints their figures. */
export async function eventsBenchmarks(options: { n: number; repeats: number; failures: number }): Promise<void> {
  const { n, repeats, failures } = options;
  const loadBefore = loadavg();
  const receiver = await startReceiver();
  const env = { WEFT_NOTIFICATIONS_ALLOW_PRIVATE_URLS: 'true' };
  const plain = await startServerProcess(env);
  const loaded = await startServerProcess(env);
  try {
    const defined = automations(receiver.url);
    for (const automation of defined) await post(loaded.url, '/api/v1/automations', automation);
    process.stderr.write(`seed workload in client mode, 0 vs ${defined.length} automations:\n`);
    const without: Measurement[] = [];
    const withAutomations: Measurement[] = [];
    for (let i = 0; i < repeats; i++) {
      without.push(await seedRun(n, plain.url));
      withAutomations.push(await seedRun(n, loaded.url));
    }
    process.stderr.write(`  0 automations: ${without.map((m) => m.ms.toFixed(0)).join(', ')} ms\n  ${defined.length} automations: ${withAutomations.map((m) => m.ms.toFixed(0)).join(', ')} ms\n`);
    // Each seed process runs its flow twice (a warm-up of 200, then n): each of the 3 "seed done" automations fires per flow run.
    const expectedPosts = 3 * 2 * repeats;
    const caughtUpFrom = performance.now();
    await receiver.waitFor(() => receiver.arrivals.filter((a) => a.path.startsWith('/seed-done/')).length >= expectedPosts, 120_000).catch(() => undefined);
    const catchUpMs = performance.now() - caughtUpFrom;
    const taskRuns = withAutomations[0]?.taskRuns ?? 0;
    const rate = (runs: readonly Measurement[]) => median(runs.map((m) => (m.taskRuns / m.ms) * 1000));
    const base = rate(without);
    const loadedRate = rate(withAutomations);
    const slowdown = (1 - loadedRate / base) * 100;
    console.log(`\nseed workload in client mode, n=${n} (${taskRuns} task runs, each with its state events), server over SQLite, ${repeats} runs each, alternating`);
    console.log(`  task runs/s, 0 automations   ${col(base.toFixed(0))}`);
    console.log(`  task runs/s, ${defined.length} automations ${col(loadedRate.toFixed(0))}   ratio ${(loadedRate / base).toFixed(3)}`);
    console.log(`  slowdown                     ${col(slowdown.toFixed(1))} %   ${verdict(slowdown, '<=', 10)}`);
    console.log(`  firings caught up            ${col(catchUpMs.toFixed(0))} ms after the last seed run ended`);
    console.log(`    ${expectation('"seed done" posts (3 automations x 2 flow runs x runs)', receiver.arrivals.filter((a) => a.path.startsWith('/seed-done/')).length, expectedPosts)}`);
    console.log(`    ${expectation('posts of automations that must not fire', receiver.arrivals.filter((a) => a.path.startsWith('/never/')).length, 0)}`);
    console.log(`    ${expectation('seed results (0 / 100 automations)', [...without, ...withAutomations].every((m) => m.result === n * (n - 1)), true)}`);

    process.stderr.write(`failure -> notification, ${failures} failures:\n`);
    const { latencies, roundTrips } = await failureLatencies(loaded, receiver, failures);
    const sorted = [...latencies].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    const rt50 = median(roundTrips);
    console.log(`\ntime from a run's failure to its Slack-style post at a loopback receiver, ${failures} failures, server with ${defined.length} automations`);
    console.log(`  p50                          ${col(p50.toFixed(0))} ms`);
    console.log(`  p99                          ${col(p99.toFixed(0))} ms   ${verdict(p99, '<=', 2000)}`);
    console.log(`  baseline: FAILED state round trip p50 ${rt50.toFixed(1)} ms -> p50 notification is ${(p50 / rt50).toFixed(0)}x the state request`);
    console.log(`    ${expectation('notifications received (one per failure)', receiver.arrivals.filter((a) => a.path === '/latency').length, failures)}`);
    const loadAfter = loadavg();
    console.log(`  load average (1/5/15 min)    before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    await plain.stop();
    await loaded.stop();
    await receiver.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await eventsBenchmarks({ n: Number(process.env.BENCH_N ?? 10_000), repeats: Number(process.env.BENCH_REPEATS ?? 3), failures: Number(process.env.BENCH_EVENTS_FAILURES ?? 30) });
}
