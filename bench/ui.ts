/**
 * `npm run bench:ui`: the web UI in Debian's Chromium against an in-process server.
 * 1. navigation → drawn graph, and → drawn timeline, for the seed workload at n (30 001 task runs
 *    at n = 10 000; target ≤ 1.5 s);
 * 2. the page's live JS heap (used after a full GC, read through CDP) during 60 s of live updates
 *    of a 100 000-wide map that keeps running through the whole window (bench/workloads/
 *    ui-live-map.ts paces it; the bench says when the run was not running at the end), target
 *    ≤ 300 MB and no growth over the last 30 s;
 * 1b. timeline navigation on that run: the time from a zoom (wheel) or pan (drag) step to its
 *    redrawn frame (two animation frames later), medians over 20 steps;
 * 3. server time per UI poll (graph, timeline, task-run counts, dashboard), and this process's CPU
 *    per event-stream message with the page reading the stream against the same run without it.
 * Env: BENCH_REPEATS (5), BENCH_N (10000), BENCH_UI_WIDE_N (100000), BENCH_UI_LIVE_SECONDS (60),
 * BENCH_UI_LIVE_TASK_MS (30: each mapped task run's sleep; 40 run at once).
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
const liveMs = Number(process.env.BENCH_UI_LIVE_TASK_MS ?? 30);
const root = fileURLToPath(new URL('..', import.meta.url));
const seedFile = 'test/ui/fixtures/seed-flows.ts';
const liveFile = 'bench/workloads/ui-live-map.ts';
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const home = mkdtempSync(join(tmpdir(), 'weft-bench-ui-'));
const server = await startServer(loadSettings({ WEFT_HOME: join(home, 'server') }), { host: '127.0.0.1', port: 0 });

/** The `weft run` processes still running (teardown waits for them, then kills them). */
const children = new Set<Promise<string>>();
const kills = new Map<Promise<string>, () => void>();

function weftRun(target: string, params: readonly string[]): { done: Promise<string>; kill: () => void } {
  const child = spawn(process.execPath, [join(root, 'bin/weft.js'), 'run', target, ...params.flatMap((p) => ['--param', p])], {
    cwd: root,
    env: { ...process.env, WEFT_HOME: home, WEFT_API_URL: server.url },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  const done = new Promise<string>((resolve) => child.once('close', () => resolve(out)));
  children.add(done);
  kills.set(done, () => child.kill('SIGKILL'));
  void done.then(() => {
    children.delete(done);
    kills.delete(done);
  });
  return { done, kill: () => child.kill('SIGINT') };
}

const browser = await launchBrowser();
let stopLive = (): void => undefined;
try {
  process.stderr.write(`seeding dask-example n=${n} through the server…\n`);
  const seedOut = await weftRun(`${seedFile}:daskExample`, [`n=${n}`]).done;
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
    // Drawn: the canvas counts the frames it drew (a canvas is 300 px wide before any drawing).
    await page.waitForFunction("Number(document.querySelector('.timeline canvas')?.dataset.drawn ?? 0) > 0");
    timelineMs.push(performance.now() - start);
  }
  // Zoom and pan on the drawn timeline: each step is a wheel (or a drag move) on the canvas, timed
  // in the page until two animation frames later (the frame that shows it has been drawn).
  // (The in-page code is text: this project's Node types have no DOM.)
  const stepMs = (kind: 'zoom' | 'pan'): Promise<number[]> =>
    page.evaluate(`(async (kind) => {
      const canvas = document.querySelector('.timeline canvas');
      if (canvas === null) throw new Error('no timeline canvas');
      const rect = canvas.getBoundingClientRect();
      const at = { clientX: rect.left + rect.width * 0.6, clientY: rect.top + 40, bubbles: true };
      const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())));
      const times = [];
      if (kind === 'pan') canvas.dispatchEvent(new MouseEvent('mousedown', at));
      for (let i = 0; i < 20; i++) {
        const start = performance.now();
        if (kind === 'zoom') canvas.dispatchEvent(new WheelEvent('wheel', { ...at, deltaY: i < 10 ? -100 : 100 }));
        else canvas.dispatchEvent(new MouseEvent('mousemove', { ...at, clientX: at.clientX + (i < 10 ? -15 : 15) * (i + 1) }));
        await frames();
        times.push(performance.now() - start);
      }
      // Released far from where the drag ended, so it is no click (a click opens a task run).
      if (kind === 'pan') canvas.dispatchEvent(new MouseEvent('mouseup', { ...at, clientX: at.clientX + 400 }));
      return times;
    })(${JSON.stringify(kind)})`);
  const zoomMs = await stepMs('zoom');
  const panMs = await stepMs('pan');
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
    timelineColumns: await timeCall(`/api/v1/flow-runs/${id}/timeline?format=columns`),
    counts: await timeCall(`/api/v1/task-run-counts?flowRunIds=${id}`),
    dashboard: await timeCall('/api/v1/dashboard'),
  };

  process.stderr.write(`live: a ${wideN}-wide map running (${liveMs} ms per task run, 40 at once), the run page open for ${liveSeconds} s…\n`);
  let events = 0;
  const off = server.bus.subscribe((batch) => (events += batch.events.length));
  const wide = weftRun(`${liveFile}:pacedMap`, [`n=${wideN}`, `ms=${liveMs}`]);
  const runOf = async (): Promise<{ id: string; state: string }> => {
    const runs = (await (await fetch(`${server.url}/api/v1/flow-runs?flow=ui-live-map&limit=1`)).json()) as { items: { id: string; state: { type: string } }[] };
    return { id: runs.items[0]?.id ?? '', state: runs.items[0]?.state.type ?? '' };
  };
  const finished = async (id: string): Promise<number> => {
    const counts = (await (await fetch(`${server.url}/api/v1/task-run-counts?flowRunIds=${id}`)).json()) as Record<string, Record<string, number>>;
    const byState = counts[id] ?? {};
    return (byState['COMPLETED'] ?? 0) + (byState['FAILED'] ?? 0);
  };
  stopLive = wide.kill;
  // Its 100 000 Pending task runs reach the server first, in batches: wait for the first finished ones.
  let liveId = '';
  for (const deadline = Date.now() + 600_000; liveId === '' || (await finished(liveId)) === 0; ) {
    if (Date.now() > deadline) throw new Error('the live map had no finished task run after 600 s');
    liveId = (await runOf()).id;
    await new Promise((r) => setTimeout(r, 1000));
  }
  // Baseline: the same run streaming, no page open: what the bench process (server ingest + bus) spends per event anyway.
  const baselineSeconds = Math.max(5, Math.round(liveSeconds / 4));
  let cpuMark = process.cpuUsage();
  let eventsMark = events;
  await new Promise((r) => setTimeout(r, baselineSeconds * 1000));
  const baseCpu = process.cpuUsage(cpuMark);
  const baseEvents = events - eventsMark;

  const live = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  const cdp = await live.context().newCDPSession(live);
  await cdp.send('Performance.enable');
  /** The page's live JS heap: used size after a full garbage collection (so growth is what the page keeps, not garbage not yet collected). */
  const liveHeapMb = async (): Promise<number> => {
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize / 1024 / 1024;
  };
  const domNodes = async (): Promise<number> => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'Nodes')?.value ?? 0;
  await live.goto(`${server.url}/runs/${liveId}`);
  await live.locator('g.node, canvas').first().waitFor();
  const doneBefore = await finished(liveId);
  cpuMark = process.cpuUsage();
  eventsMark = events;
  const started = performance.now();
  const samples: number[] = [];
  for (let s = 0; s < liveSeconds; s += 5) {
    await new Promise((r) => setTimeout(r, 5000));
    samples.push(await liveHeapMb());
  }
  const window = (performance.now() - started) / 1000;
  const pageCpu = process.cpuUsage(cpuMark);
  const pageEvents = events - eventsMark;
  const doneAfter = await finished(liveId);
  const { state: stateAfter } = await runOf();
  const nodes = await domNodes();
  off();
  wide.kill(); // teardown waits for it (bounded)
  const half = samples.slice(Math.floor(samples.length / 2));
  const perEvent = (cpu: NodeJS.CpuUsage, n: number): number => (n === 0 ? NaN : (cpu.user + cpu.system) / n);
  const basePer = perEvent(baseCpu, baseEvents);
  const pagePer = perEvent(pageCpu, pageEvents);
  const growth = (half.at(-1) ?? NaN) - (half[0] ?? NaN);
  const stillRunning = stateAfter === 'RUNNING';

  console.log(`Web UI benchmarks — ${repeats} runs each, medians; seed n=${n} (${3 * n + 1} task runs)`);
  console.log(`  navigation -> graph drawn     ${median(graphMs).toFixed(0).padStart(7)} ms   (target <= 1500; first, uncached: ${graphMs[0]?.toFixed(0) ?? '-'} ms)`);
  console.log(`  navigation -> timeline drawn  ${median(timelineMs).toFixed(0).padStart(7)} ms   (target <= 1500; first: ${timelineMs[0]?.toFixed(0) ?? '-'} ms)`);
  console.log(`  timeline zoom step -> drawn   ${median(zoomMs).toFixed(1).padStart(7)} ms   pan step -> drawn ${median(panMs).toFixed(1)} ms (medians of 20; a frame is ~16.7 ms)`);
  console.log(`  server per poll: graph ${polls.graph.toFixed(1)} ms, timeline ${polls.timeline.toFixed(1)} ms (as columns, what the UI reads: ${polls.timelineColumns.toFixed(1)} ms, ratio ${(polls.timelineColumns / polls.timeline).toFixed(2)}), task-run counts ${polls.counts.toFixed(1)} ms, dashboard ${polls.dashboard.toFixed(1)} ms`);
  console.log(`live ${wideN}-wide map, ${window.toFixed(0)} s with the run page open`);
  console.log(`  the run during the window     ${doneAfter - doneBefore} task runs finished (${((doneAfter - doneBefore) / window).toFixed(0)}/s), ${doneAfter} of ${wideN} by its end; ${stillRunning ? 'still RUNNING at the end' : `NOT running at the end (${stateAfter}): the figures below cover less than the window`}`);
  console.log(`  page live JS heap (after GC)  ${Math.max(...samples).toFixed(1).padStart(7)} MB max   (target <= 300); last 30 s ${half.map((mb) => mb.toFixed(1)).join(', ')} MB -> growth ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB; ${nodes} DOM nodes`);
  console.log(`  stream messages (events)      ${pageEvents.toString().padStart(7)}   bench process CPU per event: ${pagePer.toFixed(1)} us with the page reading the stream, ${basePer.toFixed(1)} us without it (${baseEvents} events in ${baselineSeconds} s) -> the stream costs ${(pagePer - basePer).toFixed(1)} us per message (ratio ${(pagePer / basePer).toFixed(2)})`);
} finally {
  stopLive(); // also when the bench fails: no flow-run process is left writing to a closed server
  await teardown();
}

/**
 * Closes the browser and the server, each given `ms` (a close that hangs — Chromium stuck on a
 * page, an SSE stream the server waits on — is reported and skipped), then removes the temp home
 * and exits: the bench never hangs at shutdown.
 */
async function teardown(ms = 15_000): Promise<void> {
  const bounded = async (what: string, close: () => Promise<unknown>): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
    try {
      if ((await Promise.race([close(), late])) === 'late') process.stderr.write(`teardown: ${what} did not close within ${ms} ms; going on\n`);
    } catch (error) {
      process.stderr.write(`teardown: closing ${what} failed: ${String(error)}\n`);
    } finally {
      clearTimeout(timer);
    }
  };
  for (const done of children) {
    await bounded('a weft run process (SIGINT)', () => done);
    if (children.has(done)) kills.get(done)?.();
  }
  await bounded('the browser', () => browser.close());
  await bounded('the server', () => server.close());
  rmSync(home, { recursive: true, force: true });
  // Whatever still holds the event loop (a child's pipe, a socket a hung close left open) must not keep the bench alive.
  process.exit(process.exitCode ?? 0);
}
