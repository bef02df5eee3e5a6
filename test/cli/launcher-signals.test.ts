/**
 * `weft run` started through a launcher, as CI steps, `timeout` and process managers start it:
 * when the launcher is told to stop, the run is cancelled (recorded Cancelled, `onCancellation`
 * runs), whether the launcher passes the signal on (`timeout`) or exits without doing so
 * (`npm exec`, which leaves its command running).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, fixture, ROOT, runWeftJson, tempHome, waitUntil, type WeftResult } from './harness.js';

interface ShowDoc {
  state: { type: string; message: string | null };
}

const BIN = join(ROOT, 'bin', 'weft.js');
const quote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;

/** A launcher running `weft run gated-flow.ts`, whose output (the launcher's and weft's) is collected. */
interface Launched {
  readonly output: { stdout: string; stderr: string };
  /** Resolves when the launcher has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when every process writing to the output pipes (the launcher and weft) has ended. */
  readonly closed: Promise<WeftResult>;
  kill(signal: NodeJS.Signals): void;
}

function launch(command: string, args: readonly string[], home: string, env: Record<string, string> = {}): Launched {
  const { WEFT_LOGGING_LEVEL: _level, WEFT_DATABASE_URL: _url, ...inherited } = process.env;
  const child = spawn(command, args, { cwd: ROOT, env: { ...inherited, WEFT_HOME: home, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  return {
    output,
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
    closed: new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve({ code, signal, ...output }));
    }),
    kill: (signal) => child.kill(signal),
  };
}

/** `weft run` of the gated flow, as words of a command line. */
function weftRun(gate: string, marker: string): string[] {
  return [process.execPath, BIN, 'run', fixture('gated-flow.ts'), '--param', `gate=${gate}`, '--param', `marker=${marker}`];
}

const flowRunIdIn = (stdout: string): string => /\(([0-9a-f-]{36})\)/.exec(stdout)?.[1] ?? '';

describe('weft run under a launcher', { timeout: 90_000 }, () => {
  beforeAll(assertBuilt);
  const homes: Array<{ path: string; remove(): void }> = [];
  afterEach(() => homes.splice(0).forEach((h) => h.remove()));
  const files = (): { home: string; gate: string; marker: string } => {
    const home = tempHome();
    homes.push(home);
    return { home: home.path, gate: join(home.path, 'gate'), marker: join(home.path, 'cancelled-hook') };
  };

  it('is cancelled when its launcher (npm exec) exits on SIGTERM without passing the signal on', async () => {
    const { home, gate, marker } = files();
    const npm = launch('npm', ['exec', '--offline', '-c', weftRun(gate, marker).map(quote).join(' ')], home);
    await waitUntil(() => npm.output.stderr.includes('WAITING'), 'the flow to start under npm exec', 60_000);
    npm.kill('SIGTERM');
    await npm.exited;
    const result = await npm.closed; // weft has exited too: it held the output pipes
    expect(result.stdout).toMatch(/finished in state Cancelled: Cancelled: the process that started weft \(pid \d+\) exited\./);
    expect(readFileSync(marker, 'utf8')).toMatch(/^CANCELLED: Cancelled: the process that started weft/);
    const { doc } = await runWeftJson<ShowDoc>(home, ['runs', 'show', flowRunIdIn(result.stdout), '--json']);
    expect(doc.state.type).toBe('CANCELLED');
    expect(existsSync(gate)).toBe(false); // cancelled, not ended by the gate opening
  });

  it('exits 143, Cancelled by SIGTERM, when its launcher (timeout) passes SIGTERM on', async () => {
    const { home, gate, marker } = files();
    const timeout = launch('timeout', ['--preserve-status', '600', ...weftRun(gate, marker)], home);
    await waitUntil(() => timeout.output.stderr.includes('WAITING'), 'the flow to start under timeout', 60_000);
    timeout.kill('SIGTERM');
    const result = await timeout.closed;
    expect(result.code, result.stderr).toBe(143);
    expect(result.stdout).toContain('finished in state Cancelled: Cancelled by SIGTERM.');
    expect(readFileSync(marker, 'utf8')).toBe('CANCELLED: Cancelled by SIGTERM.');
  });

  it('runs on after its launcher exits with WEFT_RUN_CANCEL_ON_LAUNCHER_EXIT=false (nohup-style)', async () => {
    const { home, gate, marker } = files();
    // `; true` keeps the shell waiting for weft rather than replacing itself with it.
    const sh = launch('/bin/sh', ['-c', `${weftRun(gate, marker).map(quote).join(' ')}; true`], home, { WEFT_RUN_CANCEL_ON_LAUNCHER_EXIT: 'false' });
    await waitUntil(() => sh.output.stderr.includes('WAITING'), 'the flow to start under sh', 60_000);
    sh.kill('SIGKILL');
    await sh.exited;
    // Ten ticks of 50 ms after the launcher is gone: the launcher check (every 250 ms) has run.
    const ticksBefore = Number(/TICK (\d+)\n(?![\s\S]*TICK)/.exec(sh.output.stderr)?.[1] ?? 0);
    await waitUntil(() => sh.output.stderr.includes(`TICK ${ticksBefore + 10}\n`), 'ten more ticks of the waiting task');
    writeFileSync(gate, 'open');
    const result = await sh.closed;
    expect(result.stdout).toContain("finished in state Completed");
    expect(result.stdout).toContain("Result: 'opened'");
    expect(existsSync(marker)).toBe(false);
  });
});
