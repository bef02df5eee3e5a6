// The web UI's build: `dist/ui` with hashed assets, relative URLs (the server sets <base href>
// to its path prefix at serve time), routes and heavy parts (graph layout, charts) split.
import react from '@vitejs/plugin-react';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/**
 * Fails the build when browser code reaches a Node built-in (through a value import of a src/
 * module): Vite would replace it with an empty stub, and the page would break at run time.
 */
function noNodeBuiltins(): Plugin {
  const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  return {
    name: 'weft-no-node-builtins',
    enforce: 'pre',
    resolveId(source, importer) {
      if (builtins.has(source)) {
        this.error(`${importer ?? 'the UI'} imports the Node module '${source}', which does not exist in a browser: import only dependency-free src/ modules (or types) from ui/`);
      }
      return null;
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [noNodeBuiltins(), react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:4200', '/ui-settings.json': 'http://127.0.0.1:4200' } },
});
