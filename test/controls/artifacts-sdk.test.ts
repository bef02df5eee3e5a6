/**
 * Artifacts and variables from a flow's code, embedded (a real SQLite record): linked to the
 * flow run and task run, versioned by key, bad input logged while the run goes on; variables read
 * and set in a run, and `{ "$variable": NAME }` deployment parameters resolved when a run is made.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { VariableExistsError, VariableNotFoundError, VariableValidationError } from '../../src/errors.js';
import {
  createLinkArtifact,
  createMarkdownArtifact,
  createProgressArtifact,
  createRuntime,
  createTableArtifact,
  flow,
  getRunContext,
  getVariable,
  setVariable,
  task,
  unsetVariable,
  updateProgressArtifact,
  type WeftRuntime,
} from '../../src/index.js';
import { loadSettings } from '../../src/settings.js';
import type { ArtifactRecord } from '../../src/store/artifacts.js';
import type { DeploymentStore } from '../../src/store/deployments.js';
import type { Store } from '../../src/store/store.js';
import type { VariableRecord } from '../../src/store/variables.js';
import { toTableData } from '../../src/sdk/artifact-table.js';
import { checkScheduleParameters } from '../../src/store/deployments.js';
import type { ScheduleStore } from '../../src/store/schedules.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let home = '';
let rt: WeftRuntime;
let store: Store & ArtifactRecord & VariableRecord & DeploymentStore;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'weft-artifacts-sdk-'));
  rt = createRuntime({ settings: loadSettings({ WEFT_HOME: home, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' }) });
  store = (await rt.client()).store as typeof store;
});

afterAll(async () => {
  await rt.close();
  rmSync(home, { recursive: true, force: true });
});

const logsOf = async (flowRunId: string): Promise<string[]> => {
  await (await rt.client()).recorder.flush();
  return (await store.listLogs(flowRunId)).map((l) => l.message);
};

describe('artifacts from a run', () => {
  it('links each artifact to its flow run and task run and versions it by key', async () => {
    const publish = task({ name: 'publish' }, async (day: string) => {
      const id = await createTableArtifact({ city: ['Oslo', 'Rome'], temp: [3, NaN] }, { key: 'temps', description: `Temperatures on ${day}` });
      return { id, taskRunId: getRunContext().taskRun?.id };
    });
    const report = flow({ name: 'report', parameters: z.object({ day: z.string() }) }, async ({ day }) => {
      const fromTask = await publish(day);
      const md = await createMarkdownArtifact(`# Report for ${day}`, { key: 'daily-report' });
      const link = await createLinkArtifact('https://example.com/r.html', { linkText: 'Full report' });
      return { fromTask, md, link, flowRunId: getRunContext().flowRun?.id };
    });
    const first = await rt.run(() => report({ day: 'monday' }));
    const second = await rt.run(() => report({ day: 'tuesday' }));

    const table = await store.readArtifact(first.fromTask.id ?? '');
    expect(table).toMatchObject({
      type: 'table',
      key: 'temps',
      data: { columns: ['city', 'temp'], rows: [['Oslo', 3], ['Rome', null]] },
      description: 'Temperatures on monday',
      flowRunId: first.flowRunId,
      taskRunId: first.fromTask.taskRunId,
    });
    expect(await store.readArtifact(first.md ?? '')).toMatchObject({ type: 'markdown', data: '# Report for monday', flowRunId: first.flowRunId, taskRunId: null });
    expect(await store.readArtifact(first.link ?? '')).toMatchObject({ type: 'link', data: { url: 'https://example.com/r.html', text: 'Full report' } });
    const versions = await store.listArtifacts({ key: 'daily-report' });
    expect(versions.map((a) => a.data)).toEqual(['# Report for tuesday', '# Report for monday']);
    expect((await store.readLatestArtifact('daily-report'))?.flowRunId).toBe(second.flowRunId);
    expect((await store.listArtifacts({ flowRunId: second.flowRunId ?? '' })).map((a) => a.type).sort()).toEqual(['link', 'markdown', 'table']);
  });

  it('logs an invalid key or an oversized table as an error of the run, which goes on and completes', async () => {
    const careless = flow({ name: 'careless' }, async () => {
      const badKey = await createMarkdownArtifact('x', { key: 'Daily Report' });
      const huge = await createTableArtifact(Array.from({ length: 60_000 }, (_, i) => ({ i, text: 'some words in a cell' })));
      const ragged = await createTableArtifact({ a: [1, 2], b: [1] });
      return { badKey, huge, ragged, id: getRunContext().flowRun?.id ?? '', after: 'went on' };
    });
    const result = await rt.run(() => careless({})); // throws unless the run completed
    expect(result).toMatchObject({ badKey: undefined, huge: undefined, ragged: undefined, after: 'went on' });
    const logs = await logsOf(result.id);
    expect(logs.some((m) => m.includes("artifact key 'Daily Report' may only hold lowercase letters, digits and dashes"))).toBe(true);
    expect(logs.some((m) => m.includes('over the limit of 1000000') && m.includes('the run goes on'))).toBe(true);
    expect(logs.some((m) => m.includes("column 'b' has 1 cells, but 'a' has 2"))).toBe(true);
    expect(await store.listArtifacts({ flowRunId: result.id })).toEqual([]);
  });

  it('moves a progress bar, clamping values outside 0–100 with a warning', async () => {
    const loading = flow({ name: 'loading' }, async () => {
      const bar = await createProgressArtifact(-5, { key: 'load-progress' });
      await updateProgressArtifact(bar, 40);
      const afterForty = bar === undefined ? undefined : (await store.readArtifact(bar))?.data;
      await updateProgressArtifact(bar, 250);
      return { bar, afterForty, id: getRunContext().flowRun?.id ?? '' };
    });
    const { bar, afterForty, id } = await rt.run(() => loading({}));
    expect(afterForty).toBe(40);
    expect((await store.readArtifact(bar ?? ''))?.data).toBe(100);
    const logs = await logsOf(id);
    expect(logs).toContain('Progress -5 is outside 0–100: stored as 0.');
    expect(logs).toContain('Progress 250 is outside 0–100: stored as 100.');
  });

  it('reads tables as rows of objects, rows of arrays or columns', () => {
    expect(toTableData([{ a: 1 }, { b: new Date('2026-01-01T00:00:00Z'), a: Infinity }])).toEqual({ columns: ['a', 'b'], rows: [[1, null], [null, '2026-01-01T00:00:00.000Z']] });
    expect(toTableData([[1, 'x'], [2n, { n: 1 }]], ['n', 'v'])).toEqual({ columns: ['n', 'v'], rows: [[1, 'x'], ['2', '{"n":1}']] });
    expect(toTableData([[1, 2]])).toEqual({ columns: ['0', '1'], rows: [[1, 2]] });
  });
});

describe('variables', () => {
  it('gets with a default, sets with and without overwrite, unsets', async () => {
    const value = await rt.run(async () => {
      const before = await getVariable<number>('batch_size', 500);
      await setVariable('batch_size', 1000);
      await expect(setVariable('batch_size', 2000)).rejects.toBeInstanceOf(VariableExistsError);
      await setVariable('batch_size', 3000, { overwrite: true, tags: ['etl'] });
      const after = await getVariable<number>('batch_size');
      const missing = await getVariable('never_set');
      await expect(setVariable('Bad Name', 1)).rejects.toBeInstanceOf(VariableValidationError);
      await expect(setVariable('too_big', 'x'.repeat(6000))).rejects.toThrow(/over the limit of 5000/);
      const unset = await unsetVariable('batch_size');
      return { before, after, missing, unset, gone: await getVariable('batch_size') };
    });
    expect(value).toEqual({ before: 500, after: 3000, missing: undefined, unset: true, gone: undefined });
  });

  it('resolves { "$variable": NAME } deployment parameters when a run is created, and names a missing one', async () => {
    const schema = z.toJSONSchema(z.object({ size: z.number().int(), region: z.string() }), { io: 'input' }) as Record<string, unknown>;
    const now = new Date().toISOString();
    // The reference passes the deployment's schema check (it is resolved later).
    const { deployment } = await store.saveDeployment(
      { flowName: 'etl', name: 'vars', entrypoint: 'etl.ts:etl', projectDir: home, parameters: { size: { $variable: 'etl_size' }, region: 'eu' }, parameterSchema: schema, tags: [], description: null, version: null, workPool: 'default', workQueue: null, concurrencyLimit: null, collisionStrategy: 'enqueue', skipLateRuns: false },
      now,
    );
    await expect(store.createDeploymentRun(deployment.id, { id: crypto.randomUUID(), name: 'r0' }, now)).rejects.toThrow(VariableNotFoundError);
    await expect(store.createDeploymentRun(deployment.id, { id: crypto.randomUUID(), name: 'r0' }, now)).rejects.toThrow(/Parameter 'size' refers to variable 'etl_size', which does not exist/);
    await store.setVariable({ name: 'etl_size', value: 250 }, { overwrite: false }, now);
    const run = await store.createDeploymentRun(deployment.id, { id: crypto.randomUUID(), name: 'r1' }, now);
    expect(run.parameters).toEqual({ size: 250, region: 'eu' });
    // A wrong type from the variable is caught by the deployment's schema, as any other value.
    await store.setVariable({ name: 'etl_size', value: 'many' }, { overwrite: true }, now);
    await expect(store.createDeploymentRun(deployment.id, { id: crypto.randomUUID(), name: 'r2' }, now)).rejects.toThrow(/size/);
    // A run's own parameters may refer to variables too.
    await store.setVariable({ name: 'other_region', value: 'us' }, { overwrite: false }, now);
    await store.setVariable({ name: 'etl_size', value: 7 }, { overwrite: true }, now);
    const own = await store.createDeploymentRun(deployment.id, { id: crypto.randomUUID(), name: 'r3', parameters: { region: { $variable: 'other_region' } } }, now);
    expect(own.parameters).toEqual({ size: 7, region: 'us' });
  });

  it('lets a schedule carry references, and gives scheduled runs the value when the scheduler creates them', async () => {
    const schema = z.toJSONSchema(z.object({ size: z.number().int() }), { io: 'input' }) as Record<string, unknown>;
    const deployment = { flowName: 'etl', name: 'sched', parameters: { size: { $variable: 'sched_size' } }, parameterSchema: schema };
    expect(() => checkScheduleParameters(deployment, {})).not.toThrow();
    expect(() => checkScheduleParameters(deployment, { size: 'ten' })).toThrow(/size/);
    const now = new Date().toISOString();
    const { deployment: saved } = await store.saveDeployment(
      { ...deployment, entrypoint: 'etl.ts:etl', projectDir: home, tags: [], description: null, version: null, workPool: 'default', workQueue: null, concurrencyLimit: null, collisionStrategy: 'enqueue', skipLateRuns: false },
      now,
    );
    await store.setVariable({ name: 'sched_size', value: 64 }, { overwrite: false }, now);
    const scheduled = (id: string, at: string) => ({
      id, name: id, deploymentId: saved.id, scheduleId: null, flowName: 'etl', parameters: { size: { $variable: 'sched_size' }, other: { $variable: 'not_set' } }, tags: [], workPool: 'default', workQueue: null,
      expectedStartTime: at, idempotencyKey: `${saved.id}:test:${at}`, state: { type: 'SCHEDULED' as const, name: 'Scheduled', timestamp: now }, createdAt: now,
    });
    const id = crypto.randomUUID();
    expect(await (store as unknown as ScheduleStore).insertScheduledRuns([scheduled(id, '2030-01-01T00:00:00.000Z')])).toBe(1);
    // The variable's value now; a missing one stays a reference (the run fails its parameter check when it starts).
    expect((await store.readFlowRun(id))?.parameters).toEqual({ size: 64, other: { $variable: 'not_set' } });
  });
});
