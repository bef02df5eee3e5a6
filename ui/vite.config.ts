// The web UI's build: `dist/ui` with hashed assets, relative URLs (the server sets <base href>
// to its path prefix at serve time), routes and heavy parts (graph layout, charts) split.
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:4200', '/ui-settings.json': 'http://127.0.0.1:4200' } },
});
