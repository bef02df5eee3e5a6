// Node module hooks for LocalCluster worker processes (bin/weft-worker.js, alongside tsx; the
// CLI uses bin/typescript-hooks.js): a project's own `.ts`/`.tsx` files load as ES modules even
// when their package.json does not say "type": "module" (npm init writes "commonjs"). Flow
// files are ES modules (`import { flow } from 'weft'`), and loading them as ES modules keeps
// one copy of Weft in the process. Files under node_modules keep their package's format.
const TYPESCRIPT = /\.(?:ts|tsx)$/;

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  if (!result.url.startsWith('file:') || result.url.includes('/node_modules/')) return result;
  if (!TYPESCRIPT.test(new URL(result.url).pathname)) return result;
  return { ...result, format: 'module' };
}
