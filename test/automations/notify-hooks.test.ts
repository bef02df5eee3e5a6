/**
 * notify.slack() / notify.webhook() as a flow's own state hooks, embedded (no server): one post
 * to a real loopback receiver with the flow, the run, its state and its error; a template that
 * does not work is refused when the flow is defined.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRuntime, flow, notify, type WeftRuntime } from '../../src/index.js';
import { loadSettings } from '../../src/settings.js';
import { startReceiver, type Receiver } from './receiver.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

describe('notify hooks', () => {
  let receiver: Receiver;
  let home = '';
  let rt: WeftRuntime;
  beforeAll(async () => {
    receiver = await startReceiver();
    home = mkdtempSync(join(tmpdir(), 'weft-notify-'));
    rt = createRuntime({ settings: loadSettings({ WEFT_HOME: home, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL', WEFT_NOTIFICATIONS_ALLOW_PRIVATE_URLS: 'true', WEFT_NOTIFICATIONS_UI_URL: 'http://weft.example.com' }) });
  });
  afterAll(async () => {
    await rt.close();
    await receiver.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('posts once to Slack when the flow fails, with flow, run, state, error and link; nothing when it completes', async () => {
    const nightly = flow({ name: 'nightly-load', onFailure: [notify.slack(`${receiver.url}/hook-slack`)], onCompletion: [] }, ({ fail }: { fail: boolean }) => {
      if (fail) throw new Error('warehouse refused the load');
      return 'ok';
    });
    await rt.run(() => nightly.run({ fail: false }, { returnState: true }));
    const failed = await rt.run(() => nightly.run({ fail: true }, { returnState: true }));
    expect(failed.type).toBe('FAILED');
    const posts = receiver.received.filter((r) => r.path === '/hook-slack');
    expect(posts).toHaveLength(1);
    const text = (JSON.parse(posts[0]?.body ?? '{}') as { text: string }).text;
    expect(text).toContain('nightly-load');
    expect(text).toContain('Failed');
    expect(text).toContain('warehouse refused the load');
    expect(text).toMatch(/http:\/\/weft\.example\.com\/runs\/[0-9a-f-]{36}/);
    expect(posts[0]?.headers['idempotency-key']).toBeTruthy();
  });

  it('posts JSON to a webhook with a custom template', async () => {
    const etl = flow({ name: 'etl-hooked', onFailure: [notify.webhook(`${receiver.url}/hook-json`, { text: '{{ flow.name }} is {{ flow_run.state_name }}' })] }, () => {
      throw new Error('boom');
    });
    await rt.run(() => etl.run({}, { returnState: true }));
    const [post] = receiver.received.filter((r) => r.path === '/hook-json');
    expect(JSON.parse(post?.body ?? '{}')).toMatchObject({ text: 'etl-hooked is Failed', flow: 'etl-hooked', flowRun: { state: 'Failed' } });
  });

  it('refuses a template that names an unknown variable when the hook is made', () => {
    expect(() => notify.slack('https://hooks.slack.com/services/T/B/X', { text: '{{ flow_run.owner }}' })).toThrow(/notify: the text template does not work/);
  });
});
