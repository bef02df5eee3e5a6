/**
 * The `shell` task against a real /bin/sh: output streamed into the run's logs, exit codes and
 * stderr tails, a missing command, and the process tree killed on timeout and on cancel.
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShellCommandError } from '../../src/errors.js';
import { cancelActiveFlowRuns, ClusterTaskRunner, createRuntime, flow, type WeftRuntime } from '../../src/index.js';
import { loadSettings } from '../../src/settings.js';
import type { State } from '../../src/states.js';
import type { Store } from '../../src/store/store.js';
import { shell } from '../../src/tasks/index.js';

let home = '';
let rt: WeftRuntime;
let store: Store;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'weft-shell-'));
  rt = createRuntime({ settings: loadSettings({ WEFT_HOME: home, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' }) });
  store = (await rt.client()).store;
});

afterAll(async () => {
  await rt.close();
  rmSync(home, { recursive: true, force: true });
});

async function logsOf(flowName: string) {
  await (await rt.client()).recorder.flush();
  const run = (await store.listFlowRuns({ flowName, limit: 1 }))[0]!;
  return { run, logs: await store.listLogs(run.id), taskRuns: await store.listTaskRuns(run.id) };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function gone(pid: number): Promise<boolean> {
  const deadline = Date.now() + 20_000;
  while (alive(pid) && Date.now() < deadline) await sleep(20);
  return !alive(pid);
}

async function pidFrom(file: string): Promise<number> {
  const deadline = Date.now() + 20_000;
  while (!(existsSync(file) && readFileSync(file, 'utf8').trim()) && Date.now() < deadline) await sleep(20);
  return Number(readFileSync(file, 'utf8').trim());
}

describe('shell', () => {
  it('streams stdout (INFO) and stderr (WARNING) line by line into the task run logs and returns them', async () => {
    const f = flow({ name: 'shell-ok' }, () => shell('echo one; echo "two 100%s" >&2; printf "three\\nfour"', {}));
    const result = await rt.run(() => f({}));
    expect(result).toEqual({ exitCode: 0, stdout: 'one\nthree\nfour', stderr: 'two 100%s' });
    const { logs, taskRuns } = await logsOf('shell-ok');
    const lines = logs.filter((l) => l.name === 'weft.tasks.shell');
    // stdout lines in order at INFO; the stderr line at WARNING (the two streams interleave freely)
    expect(lines.filter((l) => l.level === 20).map((l) => l.message)).toEqual(['one', 'three', 'four']);
    expect(lines.filter((l) => l.level === 30).map((l) => l.message)).toEqual(['two 100%s']);
    expect(lines.every((l) => l.taskRunId === taskRuns[0]?.id)).toBe(true);
  });

  it('fails with the exit code and the tail of stderr', async () => {
    const f = flow({ name: 'shell-fails' }, () => shell('for i in $(seq 1 30); do echo "err $i" >&2; done; exit 3'));
    const state = (await rt.run(() => f.run({}, { returnState: true }))) as State;
    expect(state.type).toBe('FAILED');
    const error = state.error as ShellCommandError;
    expect(error).toBeInstanceOf(ShellCommandError);
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain('exited with code 3');
    expect(error.stderrTail.split('\n')).toEqual(Array.from({ length: 20 }, (_, i) => `err ${i + 11}`));
    const { taskRuns } = await logsOf('shell-fails');
    expect(taskRuns[0]?.state.type).toBe('FAILED');
  });

  it('reports a command that does not exist with exit code 127 and the reason, in both forms', async () => {
    const viaShell = await rt.run(() => shell('no-such-command-xyz --flag')).catch((e: unknown) => e);
    expect(viaShell).toBeInstanceOf(ShellCommandError);
    expect((viaShell as ShellCommandError).exitCode).toBe(127);
    expect((viaShell as Error).message).toMatch(/not found/);
    const direct = await rt.run(() => shell(['no-such-command-xyz', '--flag'])).catch((e: unknown) => e);
    expect((direct as ShellCommandError).exitCode).toBe(127);
    expect((direct as Error).message).toContain('no-such-command-xyz: command not found');
  });

  it('refuses a missing or empty command, saying what to pass', async () => {
    for (const bad of ['', '   ', [], [3]]) {
      const error = await rt.run(() => shell(bad as string)).catch((e: unknown) => e);
      expect((error as Error).name).toBe('UsageError');
      expect((error as Error).message).toContain('shell() needs a command');
    }
  });

  it('kills the whole process tree when the task times out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-shell-tree-'));
    try {
      const pidFile = join(dir, 'pid');
      const slow = shell.with({ timeoutSeconds: 1 });
      const f = flow({ name: 'shell-timeout' }, () => slow(`sleep 300 & echo $! > ${pidFile}; wait`));
      const state = (await rt.run(() => f.run({}, { returnState: true }))) as State;
      expect(state.type).toBe('FAILED');
      const grandchild = await pidFrom(pidFile);
      expect(await gone(grandchild)).toBe(true);
      const { taskRuns } = await logsOf('shell-timeout');
      expect(taskRuns[0]?.state.name).toBe('TimedOut');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('kills the whole process tree when the flow run is cancelled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-shell-cancel-'));
    try {
      const pidFile = join(dir, 'pid');
      const f = flow({ name: 'shell-cancel' }, () => shell(`sh -c 'sleep 300' & echo $! > ${pidFile}; wait`));
      const done = rt.run(() => f.run({}, { returnState: true }));
      const child = await pidFrom(pidFile);
      expect(alive(child)).toBe(true);
      await cancelActiveFlowRuns('test cancels');
      expect(((await done) as State).type).toBe('CANCELLED');
      expect(await gone(child)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs on a cluster worker, which imports the task library to find it', async () => {
    const f = flow({ name: 'shell-on-cluster', taskRunner: new ClusterTaskRunner({ clusterOptions: { nWorkers: 1 } }) }, () => shell('echo $PPID'));
    const result = await rt.run(() => f({}));
    expect(Number(result.stdout)).not.toBe(process.pid); // a worker process spawned it
    const { logs } = await logsOf('shell-on-cluster');
    expect(logs.some((l) => l.name === 'weft.tasks.shell' && l.message === result.stdout)).toBe(true);
  });
});
