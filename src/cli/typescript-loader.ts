/**
 * Loading the project's TypeScript files (flow modules, task modules) without a build step:
 * Weft's own module hooks (bin/typescript-hooks.js) transpile each `.ts` file with esbuild and
 * cache the output under WEFT_HOME/cache/typescript by content hash, so a flow run again loads
 * without starting the transpiler. Registered only by the commands that import user code, and
 * only once, so `weft --help` or `weft runs ls` do not pay for it.
 */
import { register } from 'node:module';
import { join } from 'node:path';

let registered: Promise<void> | undefined;

/**
 * Registers the TypeScript loader hooks for the imports that follow (idempotent).
 * @example
 * await registerTypeScript();
 * await import(pathToFileURL('flows/etl.ts').href);
 */
export function registerTypeScript(): Promise<void> {
  registered ??= (async () => {
    // Every import after the hooks are registered takes a round trip to the hooks' thread. Weft's
    // own modules are imported first, so a flow's `import … from 'weft'` finds them loaded.
    const [, { loadSettings }] = await Promise.all([import('../index.js'), import('../settings.js')]);
    const cacheDir = join(loadSettings().home, 'cache', 'typescript');
    register('../../bin/typescript-hooks.js', { parentURL: import.meta.url, data: { cacheDir } });
    process.setSourceMapsEnabled(true); // stack traces (and task names from lines) point into the .ts files
  })();
  return registered;
}

/** True for a path whose module needs the TypeScript loader (`.ts`, `.tsx`, `.mts`). */
export function isTypeScriptPath(path: string): boolean {
  return /\.(?:ts|tsx|mts)$/.test(path);
}
