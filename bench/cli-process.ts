/**
 * Running the real `weft` bin (and plain `node`) in child processes from the repository root,
 * as the README runs it, each with its own WEFT_HOME in a temp dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: commands run from here, as a user would. */
export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
/** The `weft` bin the README's `npx weft` runs. */
export const BIN = join(ROOT, 'bin', 'weft.js');

/** A finished process: its wall time (spawn to exit) and output. */
export interface Finished {
  readonly ms: number;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A fresh WEFT_HOME; remove it when done. */
export function tempHome(): { readonly path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'weft-bench-cli-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** The environment of a child: this one's, minus settings that would change what is measured. */
export function childEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { WEFT_LOGGING_LEVEL: _l, WEFT_DATABASE_URL: _d, WEFT_TASK_RUNNER: _r, WEFT_CLUSTER_ADDRESS: _a, ...inherited } = process.env;
  return { ...inherited, WEFT_HOME: home, ...extra };
}

/** Starts `node ...args` from the repository root. */
export function start(args: readonly string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: { stdout: string; stderr: string }; done: Promise<Finished> } {
  const began = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const done = new Promise<Finished>((resolveDone, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolveDone({ ms: performance.now() - began, code, ...output }));
  });
  return { child, output, done };
}

/** Runs `node ...args` to its end and gives its wall time and output. */
export function timed(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Finished> {
  return start(args, env).done;
}

/** Resolves when `check()` holds; rejects with `what` after `ms`. Polls, never sleeps a fixed time to synchronize. */
export async function waitUntil(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
