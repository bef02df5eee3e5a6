/**
 * Resources and the task library (issue 18), in one command (the machine is shared: compare
 * the ratios). 1) The cost of recording a resource's setup and cleanup as task runs: a flow
 * that sets up and cleans up a no-op resource BENCH_RESOURCES_N times with `await using`,
 * against the same flow calling the two functions in try/finally. 2) `shell` throughput: 1 000
 * short commands (`true`) run as shell task runs (16 at once), against spawning them directly
 * (16 at once). A second baseline for 1): the same flow awaiting two no-op task calls per use
 * (what recording two task runs costs anyway). Medians of BENCH_REPEATS (3) runs each, every run
 * printed to stderr. In `npm run bench` unless BENCH_RESOURCES=0; alone: `npx tsx bench/resources.ts`
 * (BENCH_RESOURCES_N, default 500 uses; BENCH_SHELL_N, default 1000 commands).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConcurrentTaskRunner, createRuntime, flow, resource, task } from '../src/index.js';
import { loadSettings } from '../src/settings.js';
import { shell } from '../src/tasks/index.js';
import { median } from './run-child.js';

const AT_ONCE = 16;

/** Sizes of {@link resourcesBenchmarks}. */
export interface ResourcesBenchOptions {
  readonly repeats: number;
  /** Resource uses (setup + cleanup) per run. */
  readonly uses: number;
  /** Shell commands per run. */
  readonly commands: number;
}

function spawnOne(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', 'true'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${String(code)}`))));
  });
}

/** Spawns `commands` × `true` through `/bin/sh -c`, AT_ONCE at a time, as `shell` does. */
async function spawnDirectly(commands: number): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < commands) {
      next++;
      await spawnOne();
    }
  };
  await Promise.all(Array.from({ length: AT_ONCE }, lane));
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** Prints one series' runs to stderr and gives its median. */
function report(label: string, runs: readonly number[]): number {
  process.stderr.write(`  ${label}: ${runs.map((ms) => ms.toFixed(0)).join(', ')} ms\n`);
  return median([...runs]);
}

/**
 * Measures a resource's recording overhead and `shell` throughput, each against its baseline in
 * the same process, and prints medians and ratios. Checks the record afterwards.
 * @example
 * await resourcesBenchmarks({ repeats: 3, uses: 500, commands: 1000 });
 */
export async function resourcesBenchmarks({ repeats, uses, commands }: ResourcesBenchOptions): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'weft-bench-resources-'));
  const rt = createRuntime({ settings: loadSettings({ WEFT_HOME: home, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' }) });
  let made = 0;
  const setup = (): number => ++made;
  const cleanup = (): void => undefined;
  const noop = resource('noop', { setup, cleanup });
  const step = task({ name: 'noop-task' }, () => undefined);

  const withResources = flow({ name: 'bench-resources' }, async () => {
    for (let i = 0; i < uses; i++) {
      await using _r = await noop();
    }
  });
  const plain = flow({ name: 'bench-plain' }, async () => {
    for (let i = 0; i < uses; i++) {
      const value = await Promise.resolve(setup());
      try {
        void value;
      } finally {
        await Promise.resolve(cleanup());
      }
    }
  });
  const twoTasks = flow({ name: 'bench-two-tasks' }, async () => {
    for (let i = 0; i < uses; i++) {
      await step();
      await step();
    }
  });
  const shellFlow = flow({ name: 'bench-shell', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: AT_ONCE }) }, async () => {
    await shell.map(Array.from({ length: commands }, () => 'true')).result();
  });

  try {
    process.stderr.write(`resources (${uses} uses) and shell (${commands} commands):\n`);
    await rt.run(() => withResources({})); // warm-up (record opened, code compiled)
    await rt.run(() => plain({}));
    await rt.run(() => twoTasks({}));
    const recorded: number[] = [];
    const bare: number[] = [];
    const tasks: number[] = [];
    const viaShell: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < repeats; i++) {
      recorded.push(await timed(() => rt.run(() => withResources({}))));
      bare.push(await timed(() => rt.run(() => plain({}))));
      tasks.push(await timed(() => rt.run(() => twoTasks({}))));
    }
    for (let i = 0; i < repeats; i++) {
      direct.push(await timed(() => spawnDirectly(commands)));
      viaShell.push(await timed(() => rt.run(() => shellFlow({}))));
    }
    const client = await rt.client();
    await client.recorder.flush();
    const last = (await client.store.listFlowRuns({ flowName: 'bench-resources', limit: 1 }))[0]!;
    const steps = await client.store.listTaskRuns(last.id);
    const lastShell = (await client.store.listFlowRuns({ flowName: 'bench-shell', limit: 1 }))[0]!;
    const shellRuns = await client.store.listTaskRuns(lastShell.id);
    const r = report('with await using', recorded);
    const b = report('bare try/finally', bare);
    const t = report('two task calls per use', tasks);
    const d = report('spawned directly', direct);
    const v = report('shell task runs', viaShell);
    const perUse = ((r - b) / uses) * 1000;
    console.log(`\nresources: ${uses} setup+cleanup pairs per run, recorded as task runs`);
    console.log(`  with await using       ${r.toFixed(0)} ms   (${((r / uses) * 1000).toFixed(0)} µs per use)`);
    console.log(`  baseline try/finally   ${b.toFixed(1)} ms   -> recording costs ${perUse.toFixed(0)} µs per use (two task runs), ${(r / b).toFixed(0)}x the bare calls`);
    console.log(`  baseline 2 task calls  ${t.toFixed(0)} ms   -> a resource use costs ${(r / t).toFixed(2)}x two awaited task calls`);
    console.log(`    record: ${steps.length} task runs in the last run (expected ${2 * uses}), ${steps.every((s) => s.state.type === 'COMPLETED') ? 'all Completed' : 'NOT all Completed'}`);
    const shellRate = commands / (v / 1000);
    const directRate = commands / (d / 1000);
    console.log(`shell: ${commands} × 'true', ${AT_ONCE} at once`);
    console.log(`  as task runs           ${shellRate.toFixed(0)} commands/s (${v.toFixed(0)} ms)`);
    console.log(`  baseline spawned       ${directRate.toFixed(0)} commands/s (${d.toFixed(0)} ms)   -> ratio ${(shellRate / directRate).toFixed(2)}`);
    console.log(`    record: ${shellRuns.length} task runs in the last run (expected ${commands}), ${shellRuns.every((s) => s.state.type === 'COMPLETED') ? 'all Completed' : 'NOT all Completed'}`);
  } finally {
    await rt.close();
    rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await resourcesBenchmarks({
    repeats: Number(process.env.BENCH_REPEATS ?? 3),
    uses: Number(process.env.BENCH_RESOURCES_N ?? 500),
    commands: Number(process.env.BENCH_SHELL_N ?? 1000),
  });
}
