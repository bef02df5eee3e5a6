/**
 * `weft runs ls` and `weft runs show ID`: the recorded flow runs, as tables or JSON.
 */
import { getClient } from '../engine/client.js';
import { STATE_TYPES, type StateType } from '../states.js';
import { UsageError } from '../errors.js';
import type { FlowRunRecord, StateRecord, TaskRunWithUpstream, ResultReference } from '../store/records.js';
import { findFlowRun } from './find-flow-run.js';
import { formatDuration, formatTime, renderTable, shortList } from './format.js';
import { writeOut } from './output.js';

/** Options of `weft runs ls`, as commander parses them. */
export interface RunsListOptions {
  readonly flow?: string;
  readonly state?: string;
  readonly limit?: string;
  readonly json?: boolean;
}

/** The document `weft runs show --json` prints. */
export interface FlowRunDocument {
  readonly id: string;
  readonly name: string;
  readonly flowName: string;
  /** The flow's `version` option when the run started (absent when it set none). */
  readonly flowVersion?: string;
  /** The flow's `description` option when the run started (absent when it set none). */
  readonly flowDescription?: string;
  readonly state: { readonly type: StateType; readonly name: string; readonly message: string | null };
  readonly parameters: Record<string, unknown>;
  readonly taskRuns: ReadonlyArray<{
    readonly id: string;
    readonly name: string;
    readonly taskKey: string;
    readonly mapIndex: number;
    readonly state: { readonly type: StateType; readonly name: string };
    readonly attempts: number;
    readonly upstream: readonly string[];
    /** Where the persisted result lives (storage, key, serializer, producing run), or null. */
    readonly result: ResultReference | null;
  }>;
}

/**
 * Parses `--state`: a state type, any case.
 * @throws UsageError listing the valid types.
 */
export function parseStateType(text: string): StateType {
  const type = text.toUpperCase() as StateType;
  if (STATE_TYPES.includes(type)) return type;
  throw new UsageError(`Unknown state type '${text}' for --state. Use one of: ${STATE_TYPES.join(', ')}.`);
}

/**
 * Parses `--limit`: a whole number of at least 1.
 * @throws UsageError otherwise.
 */
export function parseLimit(text: string): number {
  const limit = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new UsageError(`--limit must be a whole number of at least 1, got '${text}'.`);
  return limit;
}

/**
 * `weft runs ls`: flow runs, newest first, filtered by flow name and state type.
 * @example
 * await runsList({ flow: 'dask-example', state: 'completed', limit: '10' });
 */
export async function runsList(options: RunsListOptions): Promise<void> {
  const stateType = options.state === undefined ? undefined : parseStateType(options.state);
  const limit = options.limit === undefined ? undefined : parseLimit(options.limit);
  const { store } = await getClient();
  const runs = await store.listFlowRuns({
    ...(options.flow === undefined ? {} : { flowName: options.flow }),
    ...(stateType === undefined ? {} : { stateType }),
    ...(limit === undefined ? {} : { limit }),
  });
  if (options.json) return writeOut(`${JSON.stringify(runs, null, 2)}\n`);
  if (runs.length === 0) return writeOut('No flow runs found.\n');
  const rows = runs.map((r) => [r.id, r.name, r.flowName, r.state.name, formatTime(r.startTime), formatDuration(r.startTime, r.endTime)]);
  return writeOut(`${renderTable(['ID', 'NAME', 'FLOW', 'STATE', 'START', 'DURATION'], rows)}\n`);
}

function flowRunDocument(run: FlowRunRecord, taskRuns: readonly TaskRunWithUpstream[]): FlowRunDocument {
  return {
    id: run.id,
    name: run.name,
    flowName: run.flowName,
    ...(run.flowVersion ? { flowVersion: run.flowVersion } : {}),
    ...(run.flowDescription ? { flowDescription: run.flowDescription } : {}),
    state: { type: run.state.type, name: run.state.name, message: run.state.message ?? null },
    parameters: run.parameters,
    taskRuns: taskRuns.map((t) => ({
      id: t.id,
      name: t.name,
      taskKey: t.taskKey,
      mapIndex: t.mapIndex,
      state: { type: t.state.type, name: t.state.name },
      attempts: t.runCount,
      upstream: [...t.upstream],
      result: t.result ?? null,
    })),
  };
}

function describeFlowRun(run: FlowRunRecord, taskRuns: readonly TaskRunWithUpstream[], history: readonly StateRecord[]): string {
  const names = new Map(taskRuns.map((t) => [t.id, t.name]));
  const header = [
    `Flow run '${run.name}' (${run.id})`,
    `  Flow:        ${run.flowName}`,
    ...(run.flowVersion ? [`  Version:     ${run.flowVersion}`] : []),
    ...(run.flowDescription ? [`  Description: ${run.flowDescription}`] : []),
    `  State:       ${run.state.name} (${run.state.type})${run.state.message ? `: ${run.state.message}` : ''}`,
    `  Parameters:  ${JSON.stringify(run.parameters)}`,
    `  Started:     ${formatTime(run.startTime)}`,
    `  Ended:       ${formatTime(run.endTime)}`,
    `  Duration:    ${formatDuration(run.startTime, run.endTime)}`,
    `  Attempts:    ${run.runCount}`,
    ...(run.parentFlowRunId ? [`  Parent:      ${run.parentFlowRunId}`] : []),
    ...(run.tags.length > 0 ? [`  Tags:        ${run.tags.join(', ')}`] : []),
  ];
  const tasks =
    taskRuns.length === 0
      ? 'No task runs.'
      : renderTable(
          ['TASK RUN', 'STATE', 'ATTEMPTS', 'START', 'DURATION', 'UPSTREAM', 'RESULT'],
          taskRuns.map((t) => [
            t.name,
            t.state.name,
            String(t.runCount),
            formatTime(t.startTime),
            formatDuration(t.startTime, t.endTime),
            shortList(t.upstream.map((id) => names.get(id) ?? id)),
            t.result ? `${t.result.storage} ${t.result.key}` : '',
          ]),
        );
  const states = renderTable(
    ['TIME', 'STATE', 'MESSAGE'],
    history.map((s) => [s.timestamp.slice(0, 23).replace('T', ' '), `${s.name} (${s.type})`, s.message ?? '']),
  );
  return `${header.join('\n')}\n\nTask runs (${taskRuns.length}):\n${tasks}\n\nState history:\n${states}\n`;
}

/**
 * `weft runs show ID`: one flow run with its task runs and state history.
 * @throws RunNotFoundError for an unknown id.
 * @example
 * await runsShow('3f2a9c', { json: true });
 */
export async function runsShow(id: string, options: { readonly json?: boolean }): Promise<void> {
  const { store } = await getClient();
  const run = await findFlowRun(store, id);
  const taskRuns = await store.listTaskRuns(run.id);
  if (options.json) return writeOut(`${JSON.stringify(flowRunDocument(run, taskRuns), null, 2)}\n`);
  return writeOut(describeFlowRun(run, taskRuns, await store.listStates(run.id)));
}
