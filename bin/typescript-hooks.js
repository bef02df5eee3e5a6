// Node module hooks that load a project's TypeScript files for `weft` (registered by
// src/cli/typescript-loader.ts; they run on Node's hooks thread). Kept small, because every
// `weft run` of a `.ts` flow boots them:
// - resolve: `./x.js` finds `./x.ts` (the TypeScript ESM convention), `./x` finds `./x.ts` or
//   `./x/index.ts`; `.ts`/`.tsx`/`.mts` files load as ES modules whatever their package's
//   "type" (npm init writes "commonjs"; flow files are ES modules, and one copy of Weft stays loaded).
// - load: a TypeScript file is transpiled by esbuild (type syntax removed, nothing type-checked)
//   and the output is cached under WEFT_HOME/cache/typescript, keyed by a hash of the file's path
//   and content, the project's tsconfig.json and the esbuild version. A file seen before loads
//   from the cache without loading esbuild at all; an edited file has a new key, so the cache is
//   never stale. esbuild is tsx's (a dependency of Weft), loaded only on a cache miss.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPESCRIPT = /\.(?:ts|tsx|mts)$/;
/** Bump when the transform options below change: every cached file is then transpiled again. */
const FORMAT = 1;
/** At most this many cached files; beyond it the oldest half is removed. */
const MAX_ENTRIES = 2000;

let cacheDir = '';
let tsconfig = '';
/** @type {{ version: string, transformSync: Function } | undefined} */
let esbuild;
/** @type {string | undefined} */
let esbuildVersion;

/** @param {{ cacheDir?: string } | undefined} data */
export function initialize(data) {
  cacheDir = data?.cacheDir ?? '';
  try {
    tsconfig = readFileSync(join(process.cwd(), 'tsconfig.json'), 'utf8');
  } catch {
    tsconfig = '';
  }
}

const esbuildRequire = () => createRequire(createRequire(import.meta.url).resolve('tsx/package.json'));

function esbuildVersionOnce() {
  esbuildVersion ??= JSON.parse(readFileSync(esbuildRequire().resolve('esbuild/package.json'), 'utf8')).version;
  return esbuildVersion;
}

/** Specifiers to try, in order, for a relative or absolute one that did not resolve. */
function alternatives(specifier) {
  if (!/^(?:\.{1,2}\/|\/|file:)/.test(specifier)) return [];
  const js = /\.(m?)js(x?)$/.exec(specifier);
  if (js) {
    const stem = specifier.slice(0, -js[0].length);
    return js[1] ? [`${stem}.mts`] : js[2] ? [`${stem}.tsx`] : [`${stem}.ts`, `${stem}.tsx`];
  }
  if (/\.[A-Za-z0-9]+$/.test(specifier) && !specifier.endsWith('/')) return [];
  const base = specifier.replace(/\/$/, '');
  return [`${base}.ts`, `${base}.tsx`, `${base}/index.ts`, `${base}/index.tsx`];
}

function asModule(result) {
  if (!result.url.startsWith('file:') || !TYPESCRIPT.test(new URL(result.url).pathname)) return result;
  return { ...result, format: 'module' };
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return asModule(await nextResolve(specifier, context));
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' && error?.code !== 'ERR_UNSUPPORTED_DIR_IMPORT') throw error;
    for (const candidate of alternatives(specifier)) {
      try {
        return asModule(await nextResolve(candidate, context));
      } catch {
        // try the next one
      }
    }
    throw error;
  }
}

function transpile(path, source) {
  esbuild ??= esbuildRequire()('esbuild');
  return esbuild.transformSync(source, {
    loader: path.endsWith('.tsx') ? 'tsx' : 'ts',
    format: 'esm',
    target: `node${process.versions.node}`,
    sourcemap: 'inline',
    sourcesContent: false,
    sourcefile: path,
    keepNames: true,
    ...(tsconfig ? { tsconfigRaw: tsconfig } : {}),
  }).code;
}

/** Removes the oldest half of the cache when it holds more than MAX_ENTRIES files. */
function prune() {
  const names = readdirSync(cacheDir);
  if (names.length <= MAX_ENTRIES) return;
  const aged = names.map((name) => ({ name, at: statSync(join(cacheDir, name)).mtimeMs })).sort((a, b) => a.at - b.at);
  for (const { name } of aged.slice(0, aged.length / 2)) unlinkSync(join(cacheDir, name));
}

function compiled(path, source) {
  if (!cacheDir) return transpile(path, source);
  const key = createHash('sha256').update(`${FORMAT}\0${esbuildVersionOnce()}\0${path}\0${tsconfig}\0${source}`).digest('hex');
  const file = join(cacheDir, `${key}.js`);
  try {
    return readFileSync(file, 'utf8');
  } catch {
    // not cached yet
  }
  const code = transpile(path, source);
  try {
    mkdirSync(cacheDir, { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, code);
    renameSync(temporary, file); // whole or absent, even with processes writing the same key
    prune();
  } catch {
    // an unwritable cache only costs the next run a transpile
  }
  return code;
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !TYPESCRIPT.test(new URL(url).pathname)) return nextLoad(url, context);
  const path = fileURLToPath(url);
  return { format: 'module', source: compiled(path, readFileSync(path, 'utf8')), shortCircuit: true };
}
