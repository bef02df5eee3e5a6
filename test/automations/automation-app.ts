/**
 * A real Weft app with its automations service for automation tests: over a SQLite file in its
 * own home or over the Postgres database a URL names, with a clock tests move, short retry
 * delays, loopback notification URLs allowed, and (optionally) its log lines kept for reading.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import type { WeftApp } from '../../src/server/app.js';
import { loadSettings } from '../../src/settings.js';
import { openStore } from '../../src/store/open-store.js';
import type { HeartbeatRecord, Store } from '../../src/store/store.js';
import type { WorkPoolRecord } from '../../src/store/work-pools.js';
import { flowRun } from '../store/record-builders.js';
import { call } from '../server/http.js';

/** A clock tests move by changing `offset`. */
export interface TestClock {
  offset: number;
  now(): number;
}

/** A clock at real time plus `offset` ms. */
export function testClock(): TestClock {
  const clock: TestClock = { offset: 0, now: () => Date.now() + clock.offset };
  return clock;
}

/** A running app; `close()` stops it and removes its home. */
export interface AutomationApp {
  readonly weft: WeftApp;
  readonly url: string;
  readonly home: string;
  /** The server's log lines (when started with `logs: true`). */
  readonly logs: string[];
  close(): Promise<void>;
}

/** Options of `startAutomationApp`. */
export interface AutomationAppOptions {
  /** A postgres:// URL; unset means a SQLite file in the home. */
  readonly databaseUrl?: string | undefined;
  /** Reuse a home (a restart). */
  readonly home?: string;
  readonly clock?: TestClock;
  /** Keep the server's log lines (level debug) in `logs`. @default false */
  readonly logs?: boolean;
}

/** Starts an app on a free loopback port. */
export async function startAutomationApp(options: AutomationAppOptions = {}): Promise<AutomationApp> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'weft-automation-app-'));
  const env: Record<string, string> = { WEFT_HOME: home };
  if (options.databaseUrl !== undefined) env.WEFT_DATABASE_URL = options.databaseUrl;
  const settings = loadSettings(env);
  const store = (await openStore(settings)) as Store & HeartbeatRecord & WorkPoolRecord;
  const logs: string[] = [];
  const weft = await buildApp({
    store,
    secrets: settings,
    ui: false,
    scheduler: false,
    ...(options.logs === true ? { logger: { level: 'debug', stream: { write: (line: string) => void logs.push(line) } } } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    automations: { uiUrl: 'http://weft.example.com', allowPrivateUrls: true, retryDelaysMs: [20, 20, 20], intervalMs: 100 },
  });
  await weft.app.listen({ host: '127.0.0.1', port: 0 });
  return {
    weft,
    url: `http://127.0.0.1:${(weft.app.server.address() as AddressInfo).port}`,
    home,
    logs,
    async close() {
      await weft.close();
      if (options.home === undefined) rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Records a flow run through the API and fails it with `error`; gives its id. */
export async function failRun(url: string, clock: { now(): number }, fields: Parameters<typeof flowRun>[0] = {}, error = 'disk full on /data'): Promise<string> {
  const run = flowRun({ createdAt: new Date(clock.now()).toISOString(), ...fields });
  expect((await call(url, 'POST', '/api/v1/flow-runs', run)).status).toBeLessThan(300);
  const failed = { type: 'FAILED', name: 'Failed', message: 'Flow run failed.', timestamp: new Date(clock.now()).toISOString(), error: { name: 'Error', message: error, stack: '' } };
  expect((await call(url, 'POST', `/api/v1/flow-runs/${run.id}/state`, { state: failed })).status).toBeLessThan(300);
  return run.id;
}
