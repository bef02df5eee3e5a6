/**
 * Artifacts from code, as Prefect's `create_markdown_artifact` and friends: inside a flow or task
 * run they are linked to that flow run and task run; with a `key`, each call adds a version of
 * the key (the latest is what `weft artifacts show KEY` and the UI's key page show).
 *
 * A bad artifact (an invalid key, a table that is neither rows nor columns, content over the
 * limits of `store/artifacts.ts`) is not a reason to fail the run that computed it: the call logs
 * the ArtifactValidationError's message as an ERROR line of the run and resolves to undefined.
 * A record that cannot be reached still throws.
 */
import { getClient } from '../engine/client.js';
import { currentContext } from '../engine/context.js';
import { maskArtifact, maskArtifactContent } from '../engine/artifact-masking.js';
import { emitLog } from '../engine/run-log.js';
import { ArtifactValidationError, UsageError } from '../errors.js';
import { LOG_LEVELS } from '../log-levels.js';
import { checkArtifact, hasArtifacts } from '../store/artifacts.js';
import type { Artifact, ArtifactContent, ArtifactFilter, ArtifactRecord } from '../store/artifacts.js';
import { toTableData } from './artifact-table.js';
import type { TableInput } from './artifact-table.js';

export type { TableInput } from './artifact-table.js';

/** Options of every `create…Artifact()`. */
export interface ArtifactOptions {
  /** Versions the artifact under this key across runs: lowercase letters, digits and dashes. @default none */
  readonly key?: string;
  /** Markdown shown with the artifact. @default none */
  readonly description?: string;
}

async function record(): Promise<ArtifactRecord> {
  const { store } = await getClient();
  if (!hasArtifacts(store)) throw new UsageError("This runtime's record keeps no artifacts.");
  return store;
}

const now = (): string => new Date().toISOString();

/** Runs `work`; an ArtifactValidationError is logged for the run instead of thrown. */
async function orLogged<T>(work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof ArtifactValidationError)) throw error;
    emitLog(LOG_LEVELS.ERROR, `${error.message} The artifact was not stored; the run goes on.`, 'weft.artifacts');
    return undefined;
  }
}

/** Stores `content` for the running flow and task run; gives its id. */
function create(content: ArtifactContent | (() => ArtifactContent), options: ArtifactOptions): Promise<string | undefined> {
  return orLogged(async () => {
    const made = maskArtifact(typeof content === 'function' ? content() : content);
    const ctx = currentContext();
    const description = options.description === undefined ? null : maskArtifactContent(options.description);
    const artifact = { ...made, key: options.key ?? null, description, flowRunId: ctx?.flow?.info.id ?? ctx?.flowRun?.id ?? null, taskRunId: ctx?.taskRun?.id ?? null };
    checkArtifact(artifact); // refused here, before a request goes out
    return (await (await record()).createArtifact(artifact, now())).id;
  });
}

/**
 * Publishes a markdown report. Rendered in the UI with raw HTML removed.
 * @returns the artifact's id, or undefined when it was refused (logged).
 * @example
 * await createMarkdownArtifact(`# Orders\n${n} orders today`, { key: 'daily-orders' });
 */
export function createMarkdownArtifact(markdown: string, options: ArtifactOptions = {}): Promise<string | undefined> {
  return create({ type: 'markdown', data: markdown }, options);
}

/**
 * Publishes a table, from rows (objects, or arrays of cells) or columns (an object of arrays).
 * NaN and infinities are stored as null; dates as ISO text. The UI offers it as CSV.
 * @returns the artifact's id, or undefined when it was refused (logged).
 * @example
 * await createTableArtifact([{ city: 'Oslo', temp: 3 }, { city: 'Rome', temp: NaN }], { key: 'temps' });
 * await createTableArtifact({ city: ['Oslo', 'Rome'], temp: [3, 18] });
 */
export function createTableArtifact(table: TableInput, options: ArtifactOptions & { readonly columns?: readonly string[] } = {}): Promise<string | undefined> {
  return create(() => ({ type: 'table', data: toTableData(table, options.columns) }), options);
}

/**
 * Publishes a link (http or https), e.g. to a dashboard or a file the run wrote.
 * @returns the artifact's id, or undefined when it was refused (logged).
 * @example
 * await createLinkArtifact('https://example.com/report.html', { linkText: 'Full report', key: 'report-link' });
 */
export function createLinkArtifact(url: string, options: ArtifactOptions & { readonly linkText?: string } = {}): Promise<string | undefined> {
  return create({ type: 'link', data: { url, text: options.linkText ?? null } }, options);
}

/** `progress` within 0–100, with a warning for the run when it was not. */
function clamped(progress: number): number {
  if (Number.isNaN(progress)) throw new ArtifactValidationError(`Invalid progress artifact: progress must be a number from 0 to 100 (got NaN).`);
  const inRange = Math.min(100, Math.max(0, progress));
  if (inRange !== progress) emitLog(LOG_LEVELS.WARNING, `Progress ${progress} is outside 0–100: stored as ${inRange}.`, 'weft.artifacts');
  return inRange;
}

/**
 * Publishes a progress bar (percent done, 0 to 100; values outside are clamped with a warning).
 * Move it with {@link updateProgressArtifact}; the UI shows it live.
 * @returns the artifact's id, or undefined when it was refused (logged).
 * @example
 * const bar = await createProgressArtifact(0, { description: 'Files processed' });
 * for (const [i, f] of files.entries()) { await load(f); await updateProgressArtifact(bar, ((i + 1) / files.length) * 100); }
 */
export function createProgressArtifact(progress: number, options: ArtifactOptions = {}): Promise<string | undefined> {
  return create(() => ({ type: 'progress', data: clamped(progress) }), options);
}

/**
 * Moves a progress bar made by {@link createProgressArtifact} (clamped to 0–100 with a warning).
 * An undefined id (a bar that was refused) is ignored.
 * @throws ArtifactNotFoundError for an unknown id.
 * @example
 * await updateProgressArtifact(bar, 50);
 */
export async function updateProgressArtifact(id: string | undefined, progress: number): Promise<void> {
  if (id === undefined) return;
  await orLogged(async () => (await record()).updateArtifact(id, { data: clamped(progress) }, now()));
}

/**
 * The newest artifact of a key (what the UI's key page and `weft artifacts show KEY` show), or undefined.
 * @example
 * const report = await readLatestArtifact('daily-report');
 * if (report?.type === 'markdown') console.log(report.data);
 */
export async function readLatestArtifact(key: string): Promise<Artifact | undefined> {
  return (await record()).readLatestArtifact(key);
}

/**
 * Artifacts, newest first: the versions of a key, those of a flow run or task run, of a type.
 * @example
 * const versions = await listArtifacts({ key: 'daily-report', limit: 10 });
 */
export async function listArtifacts(filter: ArtifactFilter = {}): Promise<Artifact[]> {
  return (await record()).listArtifacts(filter);
}
