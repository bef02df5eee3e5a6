/**
 * The record of artifacts (issue 16): what a run publishes for people to read — a markdown
 * report, a table, a link, a progress bar — linked to the flow run and task run that made it.
 * An artifact with a `key` is one version of that key: every run that publishes the key adds a
 * version, and the newest is the key's latest (as in Prefect).
 *
 * Content is checked here, once for every way in (SDK, API, CLI): a key of lowercase letters,
 * digits and dashes, a table of rows of cells, sizes under the limits below.
 */
import { ArtifactValidationError } from '../errors.js';

/** Longest artifact key. */
export const MAX_ARTIFACT_KEY_LENGTH = 255;
/** Largest content of one artifact: characters of its JSON (markdown text, a table's cells …). */
export const MAX_ARTIFACT_CHARS = 1_000_000;
/** Most columns of a table artifact. */
export const MAX_TABLE_COLUMNS = 500;
/** Longest description of an artifact (markdown). */
export const MAX_ARTIFACT_DESCRIPTION_LENGTH = 5_000;
/** Longest URL of a link artifact. */
export const MAX_LINK_URL_LENGTH = 2_048;
/** Most artifacts one list answers with. */
export const MAX_ARTIFACT_LIST = 500;

/** The kinds of artifact. */
export const ARTIFACT_TYPES = ['markdown', 'table', 'link', 'progress'] as const;
/** One kind of artifact. */
export type ArtifactType = (typeof ARTIFACT_TYPES)[number];

/** One cell of a table artifact (NaN and infinities are stored as null). */
export type TableCell = string | number | boolean | null;

/** A table artifact's content: column names and rows of cells, one per column. */
export interface TableData {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly TableCell[])[];
}

/** A link artifact's content. */
export interface LinkData {
  /** An http(s) URL. */
  readonly url: string;
  /** What the link reads as; the URL when null. */
  readonly text: string | null;
}

/** What an artifact holds, by type. */
export type ArtifactContent =
  | { readonly type: 'markdown'; readonly data: string }
  | { readonly type: 'table'; readonly data: TableData }
  | { readonly type: 'link'; readonly data: LinkData }
  /** Percent done, 0 to 100. */
  | { readonly type: 'progress'; readonly data: number };

/** An artifact to create. */
export type NewArtifact = ArtifactContent & {
  /** Versions the artifact under this key across runs; lowercase letters, digits and dashes. */
  readonly key?: string | null;
  /** Markdown shown with it. */
  readonly description?: string | null;
  readonly flowRunId?: string | null;
  readonly taskRunId?: string | null;
};

/** An artifact as stored. */
export type Artifact = ArtifactContent & {
  readonly id: string;
  readonly key: string | null;
  readonly description: string | null;
  readonly flowRunId: string | null;
  readonly taskRunId: string | null;
  /** ISO 8601. */
  readonly createdAt: string;
  /** ISO 8601; moves when a progress artifact is updated. */
  readonly updatedAt: string;
};

/** Which artifacts to list, newest first. */
export interface ArtifactFilter {
  /** Only the versions of this key. */
  readonly key?: string;
  readonly flowRunId?: string;
  readonly taskRunId?: string;
  readonly type?: ArtifactType;
  /** At most this many. @default 100 (at most {@link MAX_ARTIFACT_LIST}) */
  readonly limit?: number;
}

/** A change to an artifact's content (the same type) or description. */
export interface ArtifactPatch {
  readonly data?: unknown;
  readonly description?: string | null;
}

/**
 * The artifacts record. The SQL stores have it; so does the HTTP client store, through the server.
 * @example
 * const a = await store.createArtifact({ type: 'markdown', data: '# Hi', key: 'report' }, new Date().toISOString());
 * const latest = await store.readLatestArtifact('report');
 */
export interface ArtifactRecord {
  /** Stores an artifact. @throws ArtifactValidationError for a bad key or content. */
  createArtifact(artifact: NewArtifact, now: string): Promise<Artifact>;
  /** Changes an artifact's content (same type) or description. @throws ArtifactNotFoundError; ArtifactValidationError */
  updateArtifact(id: string, patch: ArtifactPatch, now: string): Promise<Artifact>;
  /** One artifact by id, or undefined. */
  readArtifact(id: string): Promise<Artifact | undefined>;
  /** Artifacts, newest first. */
  listArtifacts(filter?: ArtifactFilter): Promise<Artifact[]>;
  /** The newest version of a key, or undefined. */
  readLatestArtifact(key: string): Promise<Artifact | undefined>;
}

/** True when `store` keeps artifacts. */
export function hasArtifacts<S extends object>(store: S): store is S & ArtifactRecord {
  return typeof (store as Partial<ArtifactRecord>).createArtifact === 'function';
}

/** The reason an artifact key is refused, or undefined when it is fine. */
export function artifactKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'an artifact key cannot be empty (leave it out for an artifact without versions)';
  if (key.length > MAX_ARTIFACT_KEY_LENGTH) return `an artifact key is at most ${MAX_ARTIFACT_KEY_LENGTH} characters (got ${key.length})`;
  if (!/^[a-z0-9-]+$/.test(key)) return `artifact key '${key.slice(0, 80)}' may only hold lowercase letters, digits and dashes, e.g. 'daily-report'`;
  return undefined;
}

const isCell = (value: unknown): value is TableCell =>
  value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));

function tableProblem(data: unknown): string | undefined {
  const table = data as Partial<TableData> | null;
  if (typeof table !== 'object' || table === null || !Array.isArray(table.columns) || !Array.isArray(table.rows)) return 'a table is { columns: string[], rows: cell[][] }';
  if (table.columns.length > MAX_TABLE_COLUMNS) return `a table has at most ${MAX_TABLE_COLUMNS} columns (got ${table.columns.length})`;
  if (!table.columns.every((c) => typeof c === 'string')) return 'column names must be strings';
  const width = table.columns.length;
  for (const [i, row] of table.rows.entries()) {
    if (!Array.isArray(row) || row.length !== width) return `row ${i} must be an array of ${width} cells, one per column`;
    if (!row.every(isCell)) return `row ${i} holds a cell that is not a string, a finite number, a boolean or null`;
  }
  return undefined;
}

function linkProblem(data: unknown): string | undefined {
  const link = data as Partial<LinkData> | null;
  if (typeof link !== 'object' || link === null || typeof link.url !== 'string') return 'a link is { url: string, text: string | null }';
  if (link.url.length > MAX_LINK_URL_LENGTH) return `a link's URL is at most ${MAX_LINK_URL_LENGTH} characters (got ${link.url.length})`;
  let scheme: string;
  try {
    scheme = new URL(link.url).protocol;
  } catch {
    return `'${link.url.slice(0, 100)}' is not a URL`;
  }
  if (scheme !== 'http:' && scheme !== 'https:') return `a link's URL must be http or https (got ${scheme})`;
  if (link.text !== undefined && link.text !== null && typeof link.text !== 'string') return "a link's text must be a string or null";
  return undefined;
}

function contentProblem(type: unknown, data: unknown): string | undefined {
  switch (type) {
    case 'markdown':
      return typeof data === 'string' ? undefined : 'markdown content must be a string';
    case 'table':
      return tableProblem(data);
    case 'link':
      return linkProblem(data);
    case 'progress':
      return typeof data === 'number' && data >= 0 && data <= 100 ? undefined : `progress must be a number from 0 to 100 (got ${String(data)})`;
    default:
      return `an artifact's type is one of ${ARTIFACT_TYPES.join(', ')} (got ${String(type)})`;
  }
}

/**
 * Throws an ArtifactValidationError saying what is wrong with an artifact's key, content or
 * description, and what to do.
 * @internal shared by the SQL record and the SDK
 */
export function checkArtifact(artifact: { readonly type: unknown; readonly data: unknown; readonly key?: string | null; readonly description?: string | null }): void {
  const fail = (problem: string): never => {
    throw new ArtifactValidationError(`Invalid artifact: ${problem}.`);
  };
  if (artifact.key !== undefined && artifact.key !== null) {
    const problem = artifactKeyProblem(artifact.key);
    if (problem !== undefined) fail(problem);
  }
  const problem = contentProblem(artifact.type, artifact.data);
  if (problem !== undefined) fail(problem);
  const size = JSON.stringify(artifact.data).length;
  if (size > MAX_ARTIFACT_CHARS) fail(`its content is ${size} characters of JSON, over the limit of ${MAX_ARTIFACT_CHARS}: publish a summary, or split it into several artifacts`);
  const description = artifact.description ?? '';
  if (description.length > MAX_ARTIFACT_DESCRIPTION_LENGTH) fail(`a description is at most ${MAX_ARTIFACT_DESCRIPTION_LENGTH} characters (got ${description.length})`);
}
