// Display logic of the operations pages and the runs list that needs no browser.
import { describe, expect, it } from 'vitest';
import { agentStatus, SILENT_AFTER_MS } from '../src/lib/agent-status.js';
import { shortId } from '../src/lib/format.js';
import { nextRunTime } from '../src/pages/deployments-page.js';

describe('short run ids', () => {
  it('tell apart UUIDv7 ids created in the same millisecond by their random end', () => {
    const a = '01938a5e-7c2b-7d40-9a1e-3f6b2c8d9e0f';
    const b = '01938a5e-7c2b-7d40-8b77-01aa45e1c2d3';
    expect(a.slice(0, 8)).toBe(b.slice(0, 8));
    expect([shortId(a), shortId(b)]).toEqual(['…2c8d9e0f', '…45e1c2d3']);
    expect(shortId('no-such-run')).toBe('no-such-run');
  });
});

describe('agent status', () => {
  it('is online while it beats, silent after the crash timeout, stopped when it said so', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    const at = (ms: number): string => new Date(now - ms).toISOString();
    expect(agentStatus({ heartbeatAt: at(2_000), stoppedAt: null }, now)).toBe('online');
    expect(agentStatus({ heartbeatAt: at(SILENT_AFTER_MS + 1), stoppedAt: null }, now)).toBe('silent');
    expect(agentStatus({ heartbeatAt: at(1_000), stoppedAt: at(500) }, now)).toBe('stopped');
  });
});

describe('next run of a deployment', () => {
  it('is the earliest next time of its schedules', () => {
    const view = (nextTimes: string[]): Parameters<typeof nextRunTime>[0] extends readonly (infer S)[] | undefined ? S : never =>
      ({ id: 'x', deploymentId: 'd', schedule: {}, description: '', parameters: {}, active: true, catchUp: { policy: 'none', windowSeconds: 1, maxRuns: 1 }, scheduledUntil: null, nextTimes, createdAt: '', updatedAt: '' });
    expect(nextRunTime([view(['2026-12-07T08:00:00.000Z']), view(['2026-12-02T03:00:00.000Z', '2026-12-03T03:00:00.000Z'])])).toBe('2026-12-02T03:00:00.000Z');
    expect(nextRunTime([])).toBeUndefined();
  });
});
