import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const snippetsDir = join(root, 'test', '.readme-snippets'); // inside the package, so 'weft' resolves to it
const blocks = [...readFileSync(join(root, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');

afterAll(() => rmSync(snippetsDir, { recursive: true, force: true }));

describe('README examples', () => {
  it('has runnable TypeScript examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(6);
  });

  blocks.forEach((code, i) => {
    const firstLine = code.split('\n').find((l) => l.startsWith('const') || l.startsWith('export')) ?? '';
    it(`runs example ${i + 1} (${firstLine.slice(0, 50)})`, async () => {
      mkdirSync(snippetsDir, { recursive: true });
      const file = join(snippetsDir, `example-${i + 1}.ts`);
      writeFileSync(file, code);
      const home = mkdtempSync(join(tmpdir(), 'weft-readme-'));
      try {
        const { stdout } = await run(process.execPath, ['--import', 'tsx', file], {
          cwd: root,
          env: { ...process.env, WEFT_HOME: home, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' },
        });
        expect(stdout.length).toBeGreaterThan(0);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    });
  });
});
