/**
 * Loading the project's TypeScript files (flow modules, task modules) without a build step:
 * tsx's module hooks, plus Weft's own hook that loads `.ts` files as ES modules whatever their
 * package's "type". Registered only by the commands that import user code, and only once, so
 * `weft --help` or `weft runs ls` do not pay for it.
 */
import { register } from 'node:module';

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
    const [{ register: registerTsx }] = await Promise.all([import('tsx/esm/api'), import('../index.js')]);
    registerTsx();
    // Registered last, so it runs before tsx's resolve (hooks chain from the last registered).
    register('../../bin/typescript-as-esm.js', import.meta.url);
  })();
  return registered;
}

/** True for a path whose module needs the TypeScript loader (`.ts`, `.tsx`, `.mts`, `.cts`). */
export function isTypeScriptPath(path: string): boolean {
  return /\.(?:ts|tsx|mts|cts)$/.test(path);
}
