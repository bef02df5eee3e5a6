/**
 * The SDK side of deployments: `myFlow.deploy()` from a script (a real tsx process) and
 * `runDeployment()` inside a flow, over a real SQLite record.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { DeploymentParameterError } from '../../src/errors.js';
import { createRuntime, type WeftRuntime } from '../../src/engine/runtime.js';
import { getRunContext } from '../../src/engine/context.js';
import { flow } from '../../src/sdk/flow.js';
import { runDeployment } from '../../src/sdk/run-deployment.js';
import { hasDeployments, type DeploymentDetail, type DeploymentStore } from '../../src/store/deployments.js';
import type { FlowRunRecord } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 }); // real tsx processes on a loaded machine

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function runScript(script: string, home: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { WEFT_API_URL: _api, WEFT_DATABASE_URL: _db, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, env: { ...env, WEFT_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('myFlow.deploy()', () => {
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'weft-sdk-deploy-'));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('records the deployment with the export that holds the flow, relative to the project directory', async () => {
    const result = await runScript('test/sdk/fixtures/deploy-report.ts', home);
    expect(result.code, result.stderr).toBe(0);
    const deployment = JSON.parse(result.stdout) as DeploymentDetail;
    expect(deployment).toMatchObject({
      flowName: 'report',
      name: 'from-sdk',
      entrypoint: 'test/cli/fixtures/deployable.ts:report',
      projectDir: ROOT,
      parameters: { day: '2026-11-01' },
      concurrencyLimit: 1,
      schedules: [{ spec: { interval: 3600, timezone: 'UTC' } }],
    });
  });

  it('says what to do when awaited at the top level of the flow\'s own module', async () => {
    const result = await runScript('test/sdk/fixtures/self-deploy.ts', home);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Cannot find which export of .*self-deploy\.ts holds flow 'selfish'.*Call deploy\(\) from a script that imports the flow, or give entrypoint/);
  });
});

describe('runDeployment()', () => {
  let home: string;
  let runtime: WeftRuntime;
  let store: Store & DeploymentStore;
  let deployment: DeploymentDetail;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'weft-run-deployment-'));
    runtime = createRuntime({ home });
    const client = await runtime.client();
    if (!hasDeployments(client.store)) throw new Error('the SQLite store keeps deployments');
    store = client.store;
    const schema = z.toJSONSchema(z.object({ n: z.number().int() }), { io: 'input' }) as Record<string, unknown>;
    ({ deployment } = await store.saveDeployment(
      { flowName: 'child', name: 'd', entrypoint: 'child.ts:child', projectDir: home, parameters: {}, parameterSchema: schema, tags: [], description: null, version: null, workPool: 'default', workQueue: null, concurrencyLimit: null, collisionStrategy: 'enqueue', skipLateRuns: false },
      new Date().toISOString(),
    ));
  });
  afterAll(async () => {
    await runtime.close();
    rmSync(home, { recursive: true, force: true });
  });

  /** A parent flow that runs the deployment and gives its own run id and the child's record. */
  const parentFlow = (parameters: Record<string, unknown>, timeoutSeconds?: number) =>
    flow({ name: 'parent' }, async () => {
      const child = await runDeployment('child/d', parameters, timeoutSeconds === undefined ? {} : { timeoutSeconds });
      return { parentId: getRunContext().flowRun?.id, child };
    });

  it('with timeoutSeconds 0 returns the scheduled run at once, linked as a subflow of the calling flow', async () => {
    const { parentId, child } = await parentFlow({ n: 1 }, 0).run(undefined, { runtime });
    expect(child).toMatchObject({ flowName: 'child', parameters: { n: 1 }, state: { type: 'SCHEDULED' }, deploymentId: deployment.id });
    expect(child.parentFlowRunId).toBe(parentId);
    expect((await store.readFlowRun(child.id))?.parentFlowRunId).toBe(parentId);
  });

  it('waits for the run to finish, as an agent executes it', async () => {
    const started = parentFlow({ n: 2 }).run(undefined, { runtime });
    // The agent's part, on the same record: take the new run and complete it.
    let child: FlowRunRecord | undefined;
    for (const deadline = Date.now() + 20_000; child === undefined && Date.now() < deadline; ) {
      child = (await store.listDeploymentRuns(deployment.id)).find((r) => r.parameters.n === 2);
      if (child === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    if (child === undefined) throw new Error('runDeployment created no run');
    const now = (): string => new Date().toISOString();
    await store.setFlowRunState(child.id, { type: 'RUNNING', name: 'Running', timestamp: now() }, { startTime: now() });
    await store.setFlowRunState(child.id, { type: 'COMPLETED', name: 'Completed', timestamp: now() }, { endTime: now() });
    const result = await started;
    expect(result.child).toMatchObject({ id: child.id, state: { type: 'COMPLETED' } });
  });

  it('returns the run as it is when the timeout runs out', async () => {
    const begun = Date.now();
    const { child } = await parentFlow({ n: 3 }, 0.3).run(undefined, { runtime });
    expect(child.state.type).toBe('SCHEDULED');
    expect(Date.now() - begun).toBeGreaterThanOrEqual(300);
  });

  it('fails the calling flow with the bad field named', async () => {
    const state = await parentFlow({ n: 'x' }, 0).run(undefined, { runtime, returnState: true });
    expect(state.type).toBe('FAILED');
    expect(state.error).toBeInstanceOf(DeploymentParameterError);
    expect((state.error as DeploymentParameterError).issues.map((i) => i.path)).toEqual(['n']);
    await expect(runtime.run(() => runDeployment('child/none'))).rejects.toThrow(/There is no deployment 'child\/none'/);
    await expect(runtime.run(() => runDeployment('child/d', {}, { timeoutSeconds: -1 }))).rejects.toThrow(/timeoutSeconds must be a number of seconds >= 0/);
  });
});
