/**
 * `weft artifacts ls | show KEY`: what runs published, in the local record or on the server
 * `WEFT_API_URL` names. Both take `--json`.
 */
import { getClient } from '../engine/client.js';
import { ArtifactNotFoundError, UsageError } from '../errors.js';
import { ARTIFACT_TYPES, MAX_ARTIFACT_LIST, hasArtifacts } from '../store/artifacts.js';
import type { Artifact, ArtifactFilter, ArtifactRecord, ArtifactType } from '../store/artifacts.js';
import { formatTime, renderTable } from './format.js';
import { writeOut } from './output.js';

/** Options of `weft artifacts ls`. */
export interface ArtifactsListOptions {
  readonly key?: string;
  readonly run?: string;
  readonly taskRun?: string;
  readonly type?: string;
  readonly limit?: string;
  readonly json?: boolean;
}

async function record(): Promise<ArtifactRecord> {
  const { store } = await getClient();
  if (!hasArtifacts(store)) throw new UsageError('This record keeps no artifacts.');
  return store;
}

const json = (value: unknown): Promise<void> => writeOut(`${JSON.stringify(value, null, 2)}\n`);

/** A one-line summary of an artifact's content. */
function summary(a: Artifact): string {
  const text = (() => {
    switch (a.type) {
      case 'markdown':
        return a.data.split('\n').find((line) => line.trim() !== '')?.trim() ?? '';
      case 'table':
        return `${a.data.rows.length} rows × ${a.data.columns.length} columns (${a.data.columns.join(', ')})`;
      case 'link':
        return a.data.text === null ? a.data.url : `${a.data.text} <${a.data.url}>`;
      case 'progress':
        return `${a.data.toFixed(0)}%`;
    }
  })();
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/** The full content of an artifact, for `show`. */
function content(a: Artifact): string {
  switch (a.type) {
    case 'markdown':
      return a.data;
    case 'table':
      return renderTable(
        a.data.columns,
        a.data.rows.map((row) => row.map((cell) => (cell === null ? '' : String(cell)))),
      );
    case 'link':
      return a.data.text === null ? a.data.url : `${a.data.text}: ${a.data.url}`;
    case 'progress':
      return `${'#'.repeat(Math.round(a.data / 5)).padEnd(20, '.')} ${a.data.toFixed(0)}%`;
  }
}

function filterOf(options: ArtifactsListOptions): { -readonly [K in keyof ArtifactFilter]: ArtifactFilter[K] } {
  let limit: number | undefined;
  if (options.limit !== undefined) {
    limit = Number(options.limit);
    if (!/^\d+$/.test(options.limit) || limit < 1 || limit > MAX_ARTIFACT_LIST) throw new UsageError(`--limit must be a whole number from 1 to ${MAX_ARTIFACT_LIST} (got '${options.limit}').`);
  }
  if (options.type !== undefined && !(ARTIFACT_TYPES as readonly string[]).includes(options.type)) {
    throw new UsageError(`--type must be one of ${ARTIFACT_TYPES.join(', ')} (got '${options.type}').`);
  }
  return {
    ...(options.key === undefined ? {} : { key: options.key }),
    ...(options.run === undefined ? {} : { flowRunId: options.run }),
    ...(options.taskRun === undefined ? {} : { taskRunId: options.taskRun }),
    ...(options.type === undefined ? {} : { type: options.type as ArtifactType }),
    ...(limit === undefined ? {} : { limit }),
  };
}

/**
 * `weft artifacts ls [--key K] [--run ID] [--task-run ID] [--type T] [--limit N]`: newest first.
 * @example
 * await artifactsList({ key: 'daily-report' });
 */
export async function artifactsList(options: ArtifactsListOptions): Promise<void> {
  const filter = filterOf(options);
  if (filter.flowRunId !== undefined) {
    // The 8-character prefix this table prints names its run (a prefix several runs share is refused);
    // an id no run has is kept as it is (its run may have been deleted, its artifacts kept).
    const { store } = await getClient();
    const run = await store.readFlowRun(filter.flowRunId);
    if (run !== undefined) filter.flowRunId = run.id;
  }
  const artifacts = await (await record()).listArtifacts(filter);
  if (options.json) return json(artifacts);
  if (artifacts.length === 0) return writeOut('No artifacts: a run publishes them with createMarkdownArtifact(), createTableArtifact() …\n');
  const rows = artifacts.map((a) => [a.id.slice(0, 8), a.key ?? '-', a.type, (a.flowRunId ?? '-').slice(0, 8), formatTime(a.createdAt), summary(a)]);
  return writeOut(`${renderTable(['ID', 'KEY', 'TYPE', 'FLOW RUN', 'CREATED', 'CONTENT'], rows)}\n`);
}

/**
 * `weft artifacts show KEY`: the latest version of a key with its content, and the key's
 * history (an artifact's id is also accepted).
 * @example
 * await artifactsShow('daily-report', {});
 */
export async function artifactsShow(reference: string, options: { readonly json?: boolean }): Promise<void> {
  const artifacts = await record();
  const latest = (await artifacts.readLatestArtifact(reference)) ?? (await artifacts.readArtifact(reference));
  if (latest === undefined) throw new ArtifactNotFoundError(`There is no artifact with key or id '${reference}'. List them with \`weft artifacts ls\`.`);
  const history = latest.key === null ? [latest] : await artifacts.listArtifacts({ key: latest.key, limit: 50 });
  if (options.json) return json({ latest, history });
  const lines = [
    `Artifact ${latest.key ?? latest.id} (${latest.type}), ${latest.key === null ? 'no key' : `latest of ${history.length}${history.length === 50 ? '+' : ''} version${history.length === 1 ? '' : 's'}`}`,
    `Id ${latest.id}; flow run ${latest.flowRunId ?? '-'}; task run ${latest.taskRunId ?? '-'}; created ${formatTime(latest.createdAt)}, updated ${formatTime(latest.updatedAt)}`,
    ...(latest.description === null ? [] : [latest.description]),
    '',
    content(latest),
  ];
  if (history.length > 1) {
    const rows = history.map((a) => [a.id.slice(0, 8), (a.flowRunId ?? '-').slice(0, 8), formatTime(a.createdAt), summary(a)]);
    lines.push('', 'History, newest first:', renderTable(['ID', 'FLOW RUN', 'CREATED', 'CONTENT'], rows));
  }
  return writeOut(`${lines.join('\n')}\n`);
}
