/**
 * Flows a user keeps in the checkout's `flows/` folder (as the README suggests) are not Weft's
 * code: `npm test`'s lint must not fail on them.
 */
import { existsSync, mkdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const FLOWS = join(ROOT, 'flows');

describe('user flows in flows/', () => {
  let file = '';
  let madeFolder = false;
  afterEach(() => {
    rmSync(file, { force: true });
    if (madeFolder) rmdirSync(FLOWS);
  });

  it('are left out of the lint, even one that fails it', async () => {
    madeFolder = !existsSync(FLOWS);
    mkdirSync(FLOWS, { recursive: true });
    file = join(FLOWS, `lint-check-${process.pid}.ts`);
    // A floating promise and an `any`: both are lint errors in Weft's own code.
    writeFileSync(file, "const value: any = Promise.resolve(1);\nvalue.then(() => undefined);\nexport {};\n");

    // Without the ignore entry this lint fails: the file is in no tsconfig project (a parsing
    // error; proving it here costs the project service ~50 s), and it breaks two rules.
    const eslint = new ESLint({ cwd: ROOT });
    expect(await eslint.isPathIgnored(file)).toBe(true);
    const linted = await eslint.lintFiles([file]);
    expect(linted[0]?.errorCount).toBe(0);
    expect(linted[0]?.messages.map((m) => m.message).join('\n')).toMatch(/ignored/i);
  });
});
