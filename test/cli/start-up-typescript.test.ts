/**
 * `weft run` of a TypeScript project through Weft's own loader hooks (bin/typescript-hooks.js):
 * TypeScript import conventions resolve, a "commonjs" package's `.ts` files load as ES modules,
 * stack traces point into the `.ts` source, and transpiled output is cached by content, so a run
 * of an unchanged project never starts the transpiler (esbuild) and an edited file is never stale.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, ROOT, type WeftResult } from './harness.js';

const LOADED_ESBUILD = /^LOADED \S+\/node_modules\/esbuild\//m;

describe('weft run of a TypeScript project', { timeout: 120_000 }, () => {
  let dir = '';
  let home = '';
  let project = '';
  let hooksEnv: Record<string, string> = {};

  /** `weft run ARGS` from the project directory, with a hook that prints every module the process loads. */
  function run(args: readonly string[]): Promise<WeftResult> {
    const { WEFT_LOGGING_LEVEL: _level, WEFT_DATABASE_URL: _url, ...inherited } = process.env;
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'weft.js'), 'run', ...args], {
      cwd: project,
      env: { ...inherited, WEFT_HOME: home, ...hooksEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = { stdout: '', stderr: '' };
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out.stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out.stderr += c));
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve({ code, signal, ...out }));
    });
  }

  const cached = (): string[] => readdirSync(join(home, 'cache', 'typescript')).filter((f) => f.endsWith('.js'));
  const result = (r: WeftResult): unknown => (JSON.parse(r.stdout) as { result: unknown }).result;

  beforeAll(() => {
    assertBuilt();
    dir = mkdtempSync(join(tmpdir(), 'weft-ts-project-'));
    home = join(dir, 'home');
    project = join(dir, 'project');
    mkdirSync(join(project, 'node_modules'), { recursive: true });
    mkdirSync(join(project, 'lib'));
    symlinkSync(ROOT, join(project, 'node_modules', 'weft'), 'dir'); // `import … from 'weft'` as an installed package
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'ts-project', type: 'commonjs' }));
    writeFileSync(join(project, 'helpers.ts'), 'export const base: number = 40;\n');
    writeFileSync(join(project, 'lib', 'index.ts'), 'export function plus(x: number, y: number): number {\n  return x + y;\n}\n');
    writeFileSync(
      join(project, 'flow.ts'),
      [
        "import { flow, task } from 'weft';",
        "import { base } from './helpers.js'; // the TypeScript ESM convention: helpers.ts",
        "import { plus } from './lib'; // a folder: lib/index.ts",
        'interface Options { readonly by: number }',
        "const add = task({ name: 'add' }, (x: number, o: Options) => plus(x, o.by));",
        "export const sum = flow({ name: 'ts-project' }, async () => add(base, { by: 2 }));",
        "export const broken = flow({ name: 'ts-broken' }, async () => {",
        "  throw new Error('broken on purpose');",
        '});',
        '',
      ].join('\n'),
    );
    const hooks = join(dir, 'hooks');
    mkdirSync(hooks);
    writeFileSync(join(hooks, 'hooks.mjs'), "export async function load(url, context, next) { process.stderr.write(`LOADED ${url}\\n`); return next(url, context); }\n");
    writeFileSync(join(hooks, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(hooks, 'hooks.mjs')).href)});\n`);
    hooksEnv = { NODE_OPTIONS: `--import ${pathToFileURL(join(hooks, 'register.mjs')).href}` };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves ./x.js to x.ts and a folder to its index.ts, loads a "commonjs" package\'s .ts as ES modules, and caches what it transpiled', async () => {
    const first = await run(['flow.ts:sum', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(result(first)).toBe(42);
    expect(first.stderr).toMatch(LOADED_ESBUILD); // nothing cached yet: the transpiler starts
    expect(cached()).toHaveLength(3); // flow.ts, helpers.ts, lib/index.ts
  });

  it('runs an unchanged project again from the cache, without starting the transpiler', async () => {
    const again = await run(['flow.ts:sum', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(result(again)).toBe(42);
    expect(again.stderr).not.toMatch(LOADED_ESBUILD);
    expect(cached()).toHaveLength(3);
  });

  it('transpiles an edited file again: the cache is keyed by content, never stale', async () => {
    writeFileSync(join(project, 'helpers.ts'), 'export const base: number = 100;\n');
    const edited = await run(['flow.ts:sum', '--json']);
    expect(edited.code, edited.stderr).toBe(0);
    expect(result(edited)).toBe(102);
    expect(cached()).toHaveLength(4);
  });

  it('reports a failure with a stack trace into the .ts source line', async () => {
    const failed = await run(['flow.ts:broken']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('broken on purpose');
    expect(failed.stderr).toMatch(/flow\.ts:8:\d+/);
  });
});
