/**
 * The automations service over both databases a server records into (issue 17): SQLite and
 * Postgres (a throwaway cluster). Slack on a prod failure, a windowed count, and a restart in the
 * middle of a window, with notifications posted to a real loopback HTTP server.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { forEachDatabase } from '../helpers/weft-server.js';
import { call, eventually } from '../server/http.js';
import { failRun, startAutomationApp, testClock } from './automation-app.js';
import type { AutomationApp } from './automation-app.js';
import { startReceiver } from './receiver.js';
import type { Receiver } from './receiver.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 120_000 });

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});

let suites = 0;

forEachDatabase((database) => {
  const clock = testClock();
  const prefix = `/db-${++suites}`;
  let databaseUrl: string | undefined;
  let server: AutomationApp;
  beforeAll(async () => {
    databaseUrl = (await database.options()).databaseUrl;
    server = await startAutomationApp({ databaseUrl, clock });
  });
  afterAll(async () => {
    await server.close();
    rmSync(server.home, { recursive: true, force: true }); // kept by the restarted server
  });

  const posts = (path: string) => receiver.received.filter((r) => r.path === `${prefix}${path}`);
  const slackOnProd = (path: string, extra: Record<string, unknown> = {}) => ({
    name: `slack ${path}`,
    trigger: { type: 'event', expect: ['weft.flow-run.Failed', 'weft.flow-run.Crashed'], matchRelated: { 'weft.resource.id': `weft.tag.prod${path.replace('/', '-')}` }, ...extra },
    actions: [{ type: 'slack', url: `${receiver.url}${prefix}${path}` }],
  });
  const tag = (path: string) => `prod${path.replace('/', '-')}`;

  /** Waits until the run's Failed event is recorded and evaluated. */
  async function evaluated(runId: string, on = server): Promise<void> {
    await eventually(async () => {
      const events = await call<{ items: unknown[] }>(on.url, 'GET', `/api/v1/events?resource=weft.flow-run.${runId}&name=weft.flow-run.Failed`, undefined, { accept: 'application/json' });
      return events.body.items.length === 1;
    }, 'the Failed event');
    await on.weft.automations?.step();
    await on.weft.automations?.step();
  }

  it('a failing run tagged prod gives exactly one Slack post with flow, run, state, error and URL; an untagged one none', async () => {
    expect((await call(server.url, 'POST', '/api/v1/automations', slackOnProd('/slack'))).status).toBe(201);
    await evaluated(await failRun(server.url, clock, { tags: [], name: 'untagged-run', flowName: 'nightly-etl' }));
    const id = await failRun(server.url, clock, { tags: [tag('/slack')], name: 'tagged-run', flowName: 'nightly-etl' });
    await eventually(async () => posts('/slack').length === 1, 'the Slack post');
    await evaluated(id);
    expect(posts('/slack')).toHaveLength(1);
    const text = (JSON.parse(posts('/slack')[0]?.body ?? '{}') as { text: string }).text;
    expect(text).toContain('Flow run nightly-etl/tagged-run entered state Failed');
    expect(text).toContain('disk full on /data');
    expect(text).toContain(`http://weft.example.com/runs/${id}`);
  });

  it('three failures in a window fire once, and a later window fires again', async () => {
    expect((await call(server.url, 'POST', '/api/v1/automations', slackOnProd('/window', { threshold: 3, within: 600 }))).status).toBe(201);
    for (let i = 0; i < 2; i++) await evaluated(await failRun(server.url, clock, { tags: [tag('/window')] }));
    expect(posts('/window')).toHaveLength(0);
    for (let i = 0; i < 3; i++) await failRun(server.url, clock, { tags: [tag('/window')] });
    await eventually(async () => posts('/window').length === 1, 'the post of the third failure');
    await evaluated(await failRun(server.url, clock, { tags: [tag('/window')] }));
    expect(posts('/window')).toHaveLength(1);
    clock.offset += 601_000;
    for (let i = 0; i < 3; i++) await failRun(server.url, clock, { tags: [tag('/window')] });
    await eventually(async () => posts('/window').length === 2, 'the post of the next window');
  });

  it('a restart in the middle of a window neither loses nor duplicates its firing', async () => {
    expect((await call(server.url, 'POST', '/api/v1/automations', slackOnProd('/restart', { threshold: 3, within: 3600 }))).status).toBe(201);
    for (let i = 0; i < 2; i++) await evaluated(await failRun(server.url, clock, { tags: [tag('/restart')] }));
    const home = server.home;
    await server.weft.close();
    server = await startAutomationApp({ databaseUrl, clock, home });
    await failRun(server.url, clock, { tags: [tag('/restart')] });
    await eventually(async () => posts('/restart').length === 1, 'the firing after the restart');
    await evaluated(await failRun(server.url, clock, { tags: [tag('/restart')] }));
    expect(posts('/restart')).toHaveLength(1);
  });
});
