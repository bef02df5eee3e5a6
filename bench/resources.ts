/**
 * Resources and the task library (issue 18), in one command (the machine is shared: compare
 * the ratios). 1) The cost of recording a resource's setup and cleanup as task runs: a flow
 * that sets up and cleans up a no-op resource BENCH_RESOURCES_N times with `await using`,
 * against the same flow calling the two functions in try/finally. 2) `shell` throughput: 1 000
 * short commands (`true`) run as shell task runs (16 at once), against spawning them directly
 * (16 at once). Medians of BENCH_REPEATS (3) runs each. Alone: `npx tsx bench/resources.ts`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConcurrentTaskRunner, createRuntime, flow, resource } from '../src/index.js';
import { loadSettings } from '../src/settings.js';
import { shell } from '../src/tasks/index.js';
import { median } from './run-child.js';

const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const uses = Number(process.env.BENCH_RESOURCES_N ?? 500);
const commands = Number(process.env.BENCH_SHELL_N ?? 1000);
const AT_ONCE = 16;

const home = mkdtempSync(join(tmpdir(), 'weft-bench-resources-'));
const rt = createRuntime({ settings: loadSettings({ WEFT_HOME: home, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' }) });

let made = 0;
const setup = (): number => ++made;
const cleanup = (): void => undefined;
const noop = resource('noop', { setup, cleanup });

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

const shellFlow = flow({ name: 'bench-shell', taskRunner: new ConcurrentTaskRunner({ maxConcurrency: AT_ONCE }) }, async () => {
  await shell.map(Array.from({ length: commands }, () => 'true')).result();
});

function spawnOne(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', 'true'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${String(code)}`))));
  });
}

async function spawnDirectly(): Promise<void> {
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

try {
  await rt.run(() => withResources({})); // warm-up (record opened, code compiled)
  await rt.run(() => plain({}));
  const recorded: number[] = [];
  const bare: number[] = [];
  const viaShell: number[] = [];
  const direct: number[] = [];
  for (let i = 0; i < repeats; i++) {
    recorded.push(await timed(() => rt.run(() => withResources({}))));
    bare.push(await timed(() => rt.run(() => plain({}))));
    direct.push(await timed(spawnDirectly));
    viaShell.push(await timed(() => rt.run(() => shellFlow({}))));
  }
  const client = await rt.client();
  await client.recorder.flush();
  const last = (await client.store.listFlowRuns({ flowName: 'bench-resources', limit: 1 }))[0]!;
  const steps = await client.store.listTaskRuns(last.id);
  const perUse = ((median(recorded) - median(bare)) / uses) * 1000;
  console.log(`resources: ${uses} setup+cleanup pairs recorded as task runs (record holds ${steps.length}, all ${steps.every((t) => t.state.type === 'COMPLETED') ? 'Completed' : 'NOT completed'})`);
  console.log(`  with await using: median ${median(recorded).toFixed(0)} ms; bare try/finally: ${median(bare).toFixed(1)} ms; overhead ${perUse.toFixed(0)} µs per resource use (two task runs)`);
  const shellRate = commands / (median(viaShell) / 1000);
  const directRate = commands / (median(direct) / 1000);
  console.log(`shell: ${commands} × 'true', ${AT_ONCE} at once: ${shellRate.toFixed(0)} commands/s as task runs vs ${directRate.toFixed(0)} commands/s spawned directly (ratio ${(shellRate / directRate).toFixed(2)})`);
} finally {
  await rt.close();
  rmSync(home, { recursive: true, force: true });
}
