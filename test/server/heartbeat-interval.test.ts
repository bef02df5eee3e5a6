/**
 * A server whose crash timeout is shorter than a client's heartbeat interval: the heartbeat
 * answer carries the timeout and the client beats within it, so a live run is not marked
 * Crashed (before, it was, as soon as the timeout passed without a beat).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runWeft, tempHome, type WeftResult } from '../cli/harness.js';
import { startTestServer, type TestServer } from '../helpers/weft-server.js';
import { call } from './http.js';

const CRASH_TIMEOUT_MS = 1_500;

/** `weft run … --json` of the append flow as a client of `url`; its one JSON document. */
async function runAppend(home: string, url: string, params: readonly string[], env: Record<string, string> = {}): Promise<{ result: WeftResult; doc: { flowRunId: string; state: { type: string; message?: string } } }> {
  const result = await runWeft(home, ['run', 'test/agent/fixtures/append-flow.ts', ...params.flatMap((p) => ['--param', p]), '--json'], { WEFT_API_URL: url, ...env });
  try {
    return { result, doc: JSON.parse(result.stdout) as { flowRunId: string; state: { type: string; message?: string } } };
  } catch (cause) {
    throw new Error(`weft run printed no JSON document (exit ${result.code}):\n${result.stderr}`, { cause });
  }
}

describe('heartbeats against a short crash timeout', { timeout: 120_000 }, () => {
  let server: TestServer;
  let scratch: string;
  const home = tempHome();
  beforeAll(async () => {
    assertBuilt();
    server = await startTestServer({ crashTimeoutMs: CRASH_TIMEOUT_MS });
    scratch = mkdtempSync(join(tmpdir(), 'weft-heartbeat-'));
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    home.remove();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('keeps a live run that outlasts several crash timeouts Running when the client is configured to beat far less often', async () => {
    const out = join(scratch, 'ran.txt');
    // The flow holds for more than three crash timeouts; the client's own interval is a minute.
    const { result, doc } = await runAppend(home.path, server.url, [`out=${out}`, `holdMs=${CRASH_TIMEOUT_MS * 3}`], { WEFT_API_HEARTBEAT_INTERVAL_MS: '60000' });
    expect(doc.state.type, `${doc.state.message ?? ''}\n${result.stderr}`).toBe('COMPLETED');
    expect(result.code).toBe(0);
    expect(readFileSync(out, 'utf8').trim()).toBe(doc.flowRunId);
    const states = await call<{ type: string }[]>(server.url, 'GET', `/api/v1/flow-runs/${doc.flowRunId}/states`);
    expect(states.body.map((s) => s.type)).not.toContain('CRASHED');
  });

  it('answers a heartbeat with the server\'s crash timeout', async () => {
    const { doc } = await runAppend(home.path, server.url, [`out=${join(scratch, 'beat.txt')}`]);
    const beat = await call<{ state: { type: string }; crashTimeoutMs: number }>(server.url, 'POST', `/api/v1/flow-runs/${doc.flowRunId}/heartbeat`);
    expect(beat.status).toBe(200);
    expect(beat.body.crashTimeoutMs).toBe(CRASH_TIMEOUT_MS);
  });
});
