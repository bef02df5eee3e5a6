/**
 * `npm run bench:ui`: the web UI in Debian's Chromium against an in-process server.
 * 1. navigation → drawn graph, and → drawn timeline, for the seed workload at n (30 001 task runs
 *    at n = 10 000; target ≤ 1.5 s);
 * 2. the page's JS heap during 60 s of live updates of a running wide map (target ≤ 300 MB, no
 *    growth over the last 30 s);
 * 3. server time per UI poll (graph, timeline, task-run counts, dashboard) and server CPU per
 *    event-stream message during the live phase.
 * Env: BENCH_REPEATS (5), BENCH_N (10000), BENCH_UI_WIDE_N (100000), BENCH_UI_LIVE_SECONDS (60).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSettings } from '../src/settings.js';
import { startServer } from '../src/server/start-server.js';
import { launchBrowser } from '../test/ui/browser.js';

const repeats = Number(process.env.BENCH_REPEATS ?? 5);
const n = Number(process.env.BENCH_N ?? 10_000);
const wideN = Number(process.env.BENCH_UI_WIDE_N ?? 100_000);
const liveSeconds = Number(process.env.BENCH_UI_LIVE_SECONDS ?? 60);
const root = fileURLToPath(new URL('..', import.meta.url));
const seedFile = 'test/ui/fixtures/seed-flows.ts';
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const home = mkdtempSync(join(tmpdir(), 'weft-bench-ui-'));
const server = await startServer(loadSettings({ WEFT_HOME: join(home, 'server') }), { host: '127.0.0.1', port: 0 });

function weftRun(exportName: string, param: string): { done: Promise<string>; kill: () => void } {
  const child = spawn(process.execPath, [join(root, 'bin/weft.js'), 'run', `${seedFile}:${exportName}`, '--param', param], {
    cwd: root,
    env: { ...process.env, WEFT_HOME: home, WEFT_API_URL: server.url },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  return { done: new Promise((resolve) => child.once('close', () => resolve(out))), kill: () => child.kill('SIGINT') };
}

const browser = await launchBrowser();
try {
  process.stderr.write(`seeding dask-example n=${n} through the server…\n`);
  const seedOut = await weftRun('daskExample', `n=${n}`).done;
  const id = /\/runs\/(\S+)/.exec(seedOut)?.[1] ?? '';
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  const graphMs: number[] = [];
  const timelineMs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    let start = performance.now();
    await page.goto(`${server.url}/runs/${id}`);
    await page.locator('g.node').nth(3).waitFor();
    graphMs.push(performance.now() - start);
    start = performance.now();
    await page.goto(`${server.url}/runs/${id}?tab=timeline`);
    await page.getByTestId('timeline-summary').waitFor();
    await page.waitForFunction("(document.querySelector('.timeline canvas')?.width ?? 0) > 0");
    timelineMs.push(performance.now() - start);
  }
  const timeCall = async (path: string): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < repeats * 2; i++) {
      const start = performance.now();
      await (await fetch(`${server.url}${path}`)).arrayBuffer();
      times.push(performance.now() - start);
    }
    return median(times);
  };
  const polls = {
    graph: await timeCall(`/api/v1/flow-runs/${id}/graph`),
    timeline: await timeCall(`/api/v1/flow-runs/${id}/timeline`),
    counts: await timeCall(`/api/v1/task-run-counts?flowRunIds=${id}`),
    dashboard: await timeCall('/api/v1/dashboard'),
  };

  process.stderr.write(`live: a ${wideN}-wide map running, the run page open for ${liveSeconds} s…\n`);
  let messages = 0;
  const off = server.bus.subscribe((batch) => (messages += batch.events.length));
  const wide = weftRun('wide', `n=${wideN}`);
  let liveId = '';
  while (liveId === '') {
    const runs = (await (await fetch(`${server.url}/api/v1/flow-runs?flow=wide-map&state=RUNNING`)).json()) as { items: { id: string }[] };
    liveId = runs.items[0]?.id ?? '';
    if (liveId === '') await new Promise((r) => setTimeout(r, 100));
  }
  const live = await (await browser.newContext()).newPage();
  const cdp = await live.context().newCDPSession(live);
  await cdp.send('Performance.enable');
  const heapMb = async (): Promise<number> => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0) / 1024 / 1024;
  };
  await live.goto(`${server.url}/runs/${liveId}`);
  const cpuBefore = process.cpuUsage();
  const messagesBefore = messages;
  const samples: number[] = [];
  for (let s = 0; s < liveSeconds; s += 5) {
    await new Promise((r) => setTimeout(r, 5000));
    samples.push(await heapMb());
  }
  const cpu = process.cpuUsage(cpuBefore);
  const streamed = messages - messagesBefore;
  off();
  wide.kill();
  await wide.done;
  const half = samples.slice(Math.floor(samples.length / 2));

  console.log(`Web UI benchmarks — ${repeats} runs each, medians; seed n=${n} (${3 * n + 1} task runs)`);
  console.log(`  navigation -> graph drawn     ${median(graphMs).toFixed(0).padStart(7)} ms   (target <= 1500; first, uncached: ${graphMs[0]?.toFixed(0) ?? '-'} ms)`);
  console.log(`  navigation -> timeline drawn  ${median(timelineMs).toFixed(0).padStart(7)} ms   (target <= 1500; first: ${timelineMs[0]?.toFixed(0) ?? '-'} ms)`);
  console.log(`  server per poll: graph ${polls.graph.toFixed(1)} ms, timeline ${polls.timeline.toFixed(1)} ms, task-run counts ${polls.counts.toFixed(1)} ms, dashboard ${polls.dashboard.toFixed(1)} ms`);
  console.log(`live ${wideN}-wide map, ${liveSeconds} s with the run page open`);
  console.log(`  page JS heap                  ${Math.max(...samples).toFixed(0).padStart(7)} MB max   (target <= 300); last 30 s ${Math.min(...half).toFixed(0)}..${Math.max(...half).toFixed(0)} MB`);
  console.log(`  stream messages               ${streamed.toString().padStart(7)}   server process CPU per message (ingest + stream) ${streamed === 0 ? '-' : (((cpu.user + cpu.system) / streamed)).toFixed(1)} us`);
} finally {
  await browser.close();
  await server.close();
  rmSync(home, { recursive: true, force: true });
}
