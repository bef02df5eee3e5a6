/**
 * `weft` loads a subsystem only when its command needs it (issue 13 §2): a loader hook records
 * every module the process loads, and the test checks which packages each command pulled in.
 * (How long start-up takes is measured by hand, see the README; tests do not time things.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, fixture, runWeft, useTempHome } from './harness.js';

const LOADED = /^LOADED (\S+)$/gm;

/** The npm packages (and Weft's own dist folders) a `weft` process loaded, from the hook's lines. */
function packagesLoaded(stderr: string): Set<string> {
  const loaded = new Set<string>();
  for (const [, url = ''] of stderr.matchAll(LOADED)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
    if (pkg) loaded.add(pkg);
    const own = /\/dist\/([^/]+)\//.exec(url)?.[1];
    if (own && !pkg) loaded.add(`dist/${own}`);
  }
  return loaded;
}

describe('weft loads subsystems only for the commands that need them', { timeout: 120_000 }, () => {
  const home = useTempHome();
  let hooks = '';
  let env: Record<string, string> = {};

  beforeAll(() => {
    assertBuilt();
    hooks = mkdtempSync(join(tmpdir(), 'weft-hooks-'));
    writeFileSync(join(hooks, 'hooks.mjs'), "export async function load(url, context, next) { process.stderr.write(`LOADED ${url}\\n`); return next(url, context); }\n");
    writeFileSync(join(hooks, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(hooks, 'hooks.mjs')).href)});\n`);
    env = { NODE_OPTIONS: `--import ${pathToFileURL(join(hooks, 'register.mjs')).href}` };
  });
  afterAll(() => rmSync(hooks, { recursive: true, force: true }));

  it('`weft --help` loads commander only: no TypeScript loader, settings, store or server', async () => {
    const result = await runWeft(home.path, ['--help'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: weft');
    const loaded = packagesLoaded(result.stderr);
    expect(loaded.has('commander')).toBe(true);
    expect([...loaded].filter((p) => p !== 'commander' && p !== 'dist/cli')).toEqual([]);
  });

  it('`weft runs ls` opens the record but loads no TypeScript loader, server, S3 client or BullMQ', async () => {
    const result = await runWeft(home.path, ['runs', 'ls'], env);
    expect(result.code).toBe(0);
    const loaded = packagesLoaded(result.stderr);
    expect(loaded.has('dist/store')).toBe(true);
    for (const heavy of ['tsx', 'esbuild', 'fastify', '@aws-sdk/client-s3', 'bullmq', 'ioredis', 'pg', 'dist/server']) expect(loaded.has(heavy), heavy).toBe(false);
  });

  it('`weft run` of a TypeScript flow registers Weft\'s TypeScript hooks (not tsx), and loads no server, S3 client, BullMQ or Postgres client', async () => {
    const result = await runWeft(home.path, ['run', fixture('noop.ts')], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^LOADED \S+\/bin\/typescript-hooks\.js$/m);
    const loaded = packagesLoaded(result.stderr);
    for (const heavy of ['tsx', 'fastify', '@aws-sdk/client-s3', 'bullmq', 'ioredis', 'pg', 'dist/server']) expect(loaded.has(heavy), heavy).toBe(false);
  });

  it('`weft run --json` of a flow without schedules or notifications loads no Liquid, date library or progress bar', async () => {
    const result = await runWeft(home.path, ['run', fixture('noop.ts'), '--json'], env);
    expect(result.code).toBe(0);
    const loaded = packagesLoaded(result.stderr);
    expect(loaded.has('dist/schedules')).toBe(true); // `import 'weft'` reaches parseSchedule, which loads its libraries on first use
    for (const lazy of ['liquidjs', 'temporal-polyfill', 'croner', 'rrule-temporal', 'cli-progress']) expect(loaded.has(lazy), lazy).toBe(false);
  });
});
