import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const snippetsDir = join(root, 'test', '.readme-snippets'); // inside the package, so 'weft' resolves to it
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');

/**
 * The README's convention: a line that prints ends with `// prints: <the line it prints>`, written
 * exactly as Node prints it (`console.log` of an object or array shows it inspected), with `…`
 * for text that changes from run to run (pids, times). Several such lines are checked in order.
 */
const MARKER = /\/\/ prints: (.+)$/;

/** The stated output lines of a block, in order. */
function statedOutput(code: string): string[] {
  return code.split('\n').flatMap((line) => {
    const stated = MARKER.exec(line)?.[1]?.trim();
    return stated ? [stated] : [];
  });
}

/** A stated line as a pattern matching a whole printed line (`…` matches any text). */
function linePattern(stated: string): RegExp {
  const parts = stated.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*?')}$`);
}

/** The stated lines that are not printed, in order (a stated line must come after the one before it). */
function missingLines(stated: readonly string[], stdout: string): string[] {
  const printed = stdout.split('\n').map((l) => l.trimEnd());
  const missing: string[] = [];
  let at = 0;
  for (const line of stated) {
    const pattern = linePattern(line);
    const found = printed.findIndex((p, i) => i >= at && pattern.test(p));
    if (found === -1) missing.push(line);
    else at = found + 1;
  }
  return missing;
}

afterAll(() => rmSync(snippetsDir, { recursive: true, force: true }));

describe('README examples', () => {
  it('has runnable TypeScript examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(6);
  });

  it('checks stated lines in order, with … for changing text', () => {
    const stated = statedOutput("console.log(a); // prints: 12\nconsole.log(b); // prints: pid …: ok\nconsole.log(c);");
    expect(stated).toEqual(['12', 'pid …: ok']);
    expect(missingLines(stated, 'noise\n12\npid 4411: ok\n')).toEqual([]);
    expect(missingLines(stated, 'pid 4411: ok\n12\n')).toEqual(['pid …: ok']); // out of order
    expect(missingLines(['12'], '123\n')).toEqual(['12']); // whole lines only
  });

  it('its first command runs from the checkout and prints what it states', async () => {
    const first = /```sh\n(.*)\n/.exec(readme)?.[1] ?? '';
    const [command = '', stated = ''] = first.split(/\s+# prints: /);
    // `npm ci` ran before the suite; the rest must be the checkout's own bin, not npx (which copies the project).
    expect(command).toMatch(/^npm ci && \.\/bin\/weft\.js run /);
    expect(stated, 'the README\'s first command states no output: end it with `# prints: <what it prints>`').not.toBe('');
    const home = mkdtempSync(join(tmpdir(), 'weft-readme-'));
    try {
      const { stdout } = await run('/bin/sh', ['-c', command.replace(/^npm ci && /, '')], {
        cwd: root,
        env: { ...process.env, WEFT_HOME: home, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' },
      });
      expect(missingLines([stated], stdout), `stdout of the README's first command:\n${stdout}`).toEqual([]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);

  blocks.forEach((code, i) => {
    const firstLine = code.split('\n').find((l) => l.startsWith('const') || l.startsWith('export')) ?? '';
    it(`example ${i + 1} prints what it states (${firstLine.slice(0, 50)})`, async () => {
      const stated = statedOutput(code);
      expect(stated.length, `README ts block ${i + 1} states no output: end the line that prints with '// prints: <what it prints>'`).toBeGreaterThan(0);
      mkdirSync(snippetsDir, { recursive: true });
      const file = join(snippetsDir, `example-${i + 1}.ts`);
      writeFileSync(file, code);
      const home = mkdtempSync(join(tmpdir(), 'weft-readme-'));
      try {
        const { stdout } = await run(process.execPath, ['--import', 'tsx', file], {
          cwd: root,
          env: { ...process.env, WEFT_HOME: home, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' },
        });
        expect(missingLines(stated, stdout), `stdout of README ts block ${i + 1}:\n${stdout}`).toEqual([]);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
      // Some examples start processes (a served flow's runs, a cluster's workers): on a machine
      // busy with the rest of the suite they can take well over a minute.
    }, 180_000);
  });
});
