import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt, fixture, runWeft, runWeftJson, tempHome } from './harness.js';

describe('weft runs show: version and description', { timeout: 120_000 }, () => {
  const home = tempHome();
  afterAll(() => home.remove());

  it('records the flow’s version and description on the run and shows them', async () => {
    assertBuilt();
    const run = await runWeftJson<{ flowRunId: string }>(home.path, ['run', fixture('versioned-flow.ts'), '--json']);
    expect(run.result.code).toBe(0);
    const shown = await runWeft(home.path, ['runs', 'show', run.doc.flowRunId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/Version: +2\.3\.1/);
    expect(shown.stdout).toMatch(/Description: +Loads the nightly export\./);
    const { doc } = await runWeftJson<{ flowVersion?: string; flowDescription?: string }>(home.path, ['runs', 'show', run.doc.flowRunId, '--json']);
    expect(doc).toMatchObject({ flowVersion: '2.3.1', flowDescription: 'Loads the nightly export.' });
  });
});
