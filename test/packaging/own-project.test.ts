/**
 * Weft used from a project of one's own, as the README's "Using Weft from your own project" says:
 * `npm pack` here, `npm install` of the tarball and the project's own `zod` into a fresh folder,
 * and the section's flow run there with `npx weft run` and `npx tsx`.
 *
 * It costs an `npm install` of Weft's dependencies: they come from npm's cache
 * (`--prefer-offline`, the cache `npm ci` filled), and better-sqlite3's native module is taken
 * from this checkout's own build of the same version (handed to its installer as a local
 * prebuild, as it would download one), so nothing compiles; without that build, it compiles.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const NPM = 'npm';

/** The README section's `ts` block: the flow a user writes in their project. */
function readmeFlow(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Using Weft from your own project'));
  const block = /```ts\n([\s\S]*?)```/.exec(section.slice(0, section.indexOf('\n## ', 1)))?.[1];
  if (!block) throw new Error('README: the section "Using Weft from your own project" has no ts block');
  return block;
}

/** A directory of local prebuilds holding this checkout's better-sqlite3 build, or undefined when there is none. */
async function localSqlitePrebuild(scratch: string): Promise<string | undefined> {
  const pkg = join(ROOT, 'node_modules', 'better-sqlite3');
  if (!existsSync(join(pkg, 'build', 'Release', 'better_sqlite3.node'))) return undefined;
  const { version } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string };
  const dir = join(scratch, 'prebuilds');
  mkdirSync(dir);
  // prebuild-install's name for it: {name}-v{version}-{runtime}-v{abi}-{platform}{libc}-{arch}.tar.gz (glibc: no libc part).
  const tarball = join(dir, `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`);
  await run('tar', ['-czf', tarball, '-C', pkg, 'build/Release/better_sqlite3.node']);
  return dir;
}

describe('Weft installed into a project of its own', () => {
  let scratch = '';
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'weft-own-project-'));
    if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` before this test.');
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }), 300_000); // thousands of files under node_modules

  it('installs from a packed tarball with the project’s own zod and runs the README’s flow', { timeout: 900_000 }, async () => {
    const started = Date.now();
    const lap = (what: string): void => console.log(`own-project: ${what} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // dist/ is built by `npm test` before the tests; `prepare` would build it again.
    await run(NPM, ['pack', '--ignore-scripts', '--silent', '--pack-destination', scratch], { cwd: ROOT });
    const tarball = readdirSync(scratch).find((name) => /^weft-.*\.tgz$/.test(name));
    expect(tarball, 'npm pack made no weft-*.tgz').toBeDefined();
    lap('packed');

    const project = join(scratch, 'my-pipelines');
    mkdirSync(join(project, 'flows'), { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-pipelines', private: true, type: 'module', allowScripts: { 'better-sqlite3': true } }));
    writeFileSync(join(project, '.npmrc'), 'nodedir=/usr\n');
    const prebuilds = await localSqlitePrebuild(scratch);
    const env: NodeJS.ProcessEnv = { ...process.env, ...(prebuilds ? { npm_config_better_sqlite3_local_prebuilds: prebuilds } : {}) };
    await run(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', join(scratch, tarball ?? ''), 'zod'], { cwd: project, env, maxBuffer: 16 * 1024 * 1024 });
    lap('installed');
    // A copy of the package, not a link to this checkout; zod is the project's own dependency.
    const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['weft', 'zod']);
    expect(existsSync(join(project, 'node_modules', 'weft', 'dist', 'index.js'))).toBe(true);

    writeFileSync(join(project, 'flows', 'hello.ts'), readmeFlow());
    const home = join(scratch, 'home');
    const runEnv = { ...process.env, WEFT_HOME: home, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' };
    const weft = await run(NPM, ['exec', '--offline', '--', 'weft', 'run', 'flows/hello.ts', '--param', 'who=weft', '--json'], { cwd: project, env: runEnv });
    const doc = JSON.parse(weft.stdout) as { state: { type: string }; result: unknown };
    expect(doc.state.type).toBe('COMPLETED');
    expect(doc.result).toBe('HELLO WEFT!');
    expect(existsSync(join(home, 'weft.db'))).toBe(true); // recorded under the WEFT_HOME it was given
    lap('ran with npx weft');

    const tsx = await run(NPM, ['exec', '--offline', '--', 'tsx', 'flows/hello.ts'], { cwd: project, env: runEnv });
    expect(tsx.stdout.trim().split('\n')).toContain('HELLO WEFT!');
    lap('ran with npx tsx');
  });
});
