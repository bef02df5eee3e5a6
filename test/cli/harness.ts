/**
 * Running the real `weft` bin in a child process against a throwaway WEFT_HOME.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** The repository root: commands run from here, as a user would. */
export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BIN = join(ROOT, 'bin', 'weft.js');

/** Fixture flow files, relative to the repository root. */
export const fixture = (name: string): string => `test/cli/fixtures/${name}`;

/** What a finished `weft` process left behind. */
export interface WeftResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Fails early with a clear message when the CLI has not been built. */
export function assertBuilt(): void {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/cli/main.js is missing: run `npm run build` before these tests.');
}

/** A temporary WEFT_HOME; call `remove()` when done. Create it inside a test or hook, never while a file is collected. */
export function tempHome(): { readonly path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'weft-cli-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * A temporary WEFT_HOME for the enclosing suite: made before its first test, removed after its
 * last. Made in `beforeAll` (not when the file is collected), so a suite whose tests are all
 * filtered out or skipped leaves nothing in the temp directory.
 * @example
 * const home = useTempHome();
 * it('lists runs', async () => expect((await runWeft(home.path, ['runs', 'ls'])).code).toBe(0));
 */
export function useTempHome(): { readonly path: string } {
  let home: { readonly path: string; remove(): void } | undefined;
  beforeAll(() => {
    home = tempHome();
  });
  afterAll(() => home?.remove());
  return {
    get path(): string {
      if (!home) throw new Error('The temporary home is made before the suite\'s first test: read it inside tests or hooks.');
      return home.path;
    },
  };
}

/**
 * A fresh temporary WEFT_HOME for each call, all removed after each test of the enclosing suite.
 * @example
 * const home = homePerTest();
 * it('lists runs', async () => expect((await runWeft(home(), ['runs', 'ls'])).code).toBe(0));
 */
export function homePerTest(): () => string {
  const homes: { remove(): void }[] = [];
  afterEach(() => homes.splice(0).forEach((h) => h.remove()));
  return () => {
    const h = tempHome();
    homes.push(h);
    return h.path;
  };
}

/** A running `weft` process whose output is collected. */
export interface WeftProcess {
  readonly child: ChildProcess;
  /** Output so far. */
  readonly output: { stdout: string; stderr: string };
  /** Resolves when the process has exited. */
  readonly done: Promise<WeftResult>;
}

/** Starts `weft ...args` with WEFT_HOME=home (and the logging level unset unless given). */
export function startWeft(home: string, args: readonly string[], env: Record<string, string> = {}): WeftProcess {
  const { WEFT_LOGGING_LEVEL: _level, WEFT_DATABASE_URL: _url, ...inherited } = process.env;
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...inherited, WEFT_HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const done = new Promise<WeftResult>((resolveDone, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolveDone({ code, signal, ...output }));
  });
  return { child, output, done };
}

/** Runs `weft ...args` to the end. */
export function runWeft(home: string, args: readonly string[], env: Record<string, string> = {}): Promise<WeftResult> {
  return startWeft(home, args, env).done;
}

/**
 * Runs `weft ...args` on a pseudo-terminal (util-linux `script`, Debian package bsdutils), as a
 * person at a terminal would: stdout and stderr both arrive, interleaved, as `stdout`.
 */
export async function runWeftOnTerminal(home: string, args: readonly string[]): Promise<WeftResult> {
  const script = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));
  if (!script) throw new Error('`script` is missing: install the Debian package bsdutils (apt-get install bsdutils).');
  const quote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  const { WEFT_LOGGING_LEVEL: _level, WEFT_DATABASE_URL: _url, ...inherited } = process.env;
  const child = spawn(script, ['-q', '-e', '-c', command, '/dev/null'], {
    cwd: ROOT,
    env: { ...inherited, WEFT_HOME: home, TERM: 'xterm' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  return new Promise((resolveDone, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolveDone({ code, signal, ...output }));
  });
}

/** Runs `weft ...args --json`-style commands and parses stdout as one JSON document. */
export async function runWeftJson<T>(home: string, args: readonly string[]): Promise<{ result: WeftResult; doc: T }> {
  const result = await runWeft(home, args);
  let doc: T;
  try {
    doc = JSON.parse(result.stdout) as T;
  } catch (error) {
    throw new Error(`stdout of weft ${args.join(' ')} is not one JSON document (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`, { cause: error });
  }
  return { result, doc };
}

/** Polls `check` until it returns true, failing after `timeoutMs`. */
export async function waitUntil(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
