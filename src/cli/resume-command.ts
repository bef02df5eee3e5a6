/**
 * `weft runs resume ID [--input JSON | --reject REASON] [--key KEY] [--json]`: resolves a paused
 * flow run's pause, embedded (straight into the local record, which the paused process watches)
 * or in client mode (WEFT_API_URL, through the server). Input is checked against the pause's
 * schema: a bad field is refused (exit 2, naming it) and the run stays paused.
 */
import { getClient } from '../engine/client.js';
import type { ResumeLink } from '../store/http/http-pauses.js';
import { UsageError } from '../errors.js';
import { hasPauses, MAX_PAUSE_INPUT_BYTES } from '../store/pauses.js';
import type { PauseResolution } from '../store/pauses.js';
import { findFlowRun } from './find-flow-run.js';
import { writeOut } from './output.js';

/** Options of `weft runs resume`, as commander parses them. */
export interface ResumeOptions {
  /** The input, as JSON text. */
  readonly input?: string;
  readonly reject?: string;
  readonly key?: string;
  readonly json?: boolean;
}

/**
 * The resolution the options ask for.
 * @throws UsageError for both --input and --reject, or input that is not JSON.
 */
export function resolutionFromOptions(options: ResumeOptions): PauseResolution {
  if (options.input !== undefined && options.reject !== undefined) throw new UsageError('Give --input to resume the run or --reject to reject it, not both.');
  if (options.reject !== undefined) return { reject: options.reject };
  if (options.input === undefined) return {};
  if (Buffer.byteLength(options.input) > MAX_PAUSE_INPUT_BYTES) throw new UsageError(`--input is larger than ${MAX_PAUSE_INPUT_BYTES} bytes.`);
  try {
    return { input: JSON.parse(options.input) as unknown };
  } catch (error) {
    throw new UsageError(`--input is not JSON (${error instanceof Error ? error.message : String(error)}). Quote it for the shell, e.g. --input '{"approved": true}'.`);
  }
}

/**
 * Resumes (or rejects) a paused flow run.
 * @throws RunNotFoundError; RunNotPausedError when it is not paused; PauseInputError naming each bad field.
 * @example
 * await resumeCommand('3f2a9c', { input: '{"approved": true}' });
 */
export async function resumeCommand(id: string, options: ResumeOptions): Promise<void> {
  const resolution = resolutionFromOptions(options);
  const { store } = await getClient();
  if (!hasPauses(store)) throw new UsageError('This record does not keep pauses: use the local database or a Weft server.');
  const run = await findFlowRun(store, id);
  const pause = await store.resumePause({ flowRunId: run.id, ...(options.key === undefined ? {} : { key: options.key }), resolution, now: new Date().toISOString() });
  if (options.json) return writeOut(`${JSON.stringify(pause, null, 2)}\n`);
  const how = pause.status === 'rejected' ? `rejected (${pause.reason ?? ''})` : 'resumed';
  const next = pause.suspended ? 'it is scheduled again for an agent of its work pool' : 'its process goes on';
  return writeOut(`Flow run '${run.name}' (${run.id}): pause '${pause.key}' ${how}; ${next}.\n`);
}

/**
 * `weft runs resume-link ID`: prints a signed, single-use link that resumes the run's waiting
 * pause without the API key (for a message to the person who approves): the web page first, then
 * the API address. Needs a server.
 * @throws UsageError without WEFT_API_URL, or for a bad --expires-in.
 * @example
 * await resumeLinkCommand('3f2a9c', { expiresIn: '3600' });
 */
export async function resumeLinkCommand(id: string, options: { readonly key?: string; readonly expiresIn?: string; readonly json?: boolean }): Promise<void> {
  const seconds = options.expiresIn === undefined ? undefined : Number(options.expiresIn);
  if (seconds !== undefined && !(Number.isFinite(seconds) && seconds > 0 && seconds <= 30 * 86_400)) {
    throw new UsageError(`--expires-in is a number of seconds above 0 and at most ${30 * 86_400} (30 days); got '${options.expiresIn ?? ''}'.`);
  }
  const { store } = await getClient();
  const signer = store as Partial<{ createResumeLink(flowRunId: string, o: { key?: string; expiresInSeconds?: number }): Promise<ResumeLink> }>;
  if (typeof signer.createResumeLink !== 'function') throw new UsageError('Resume links are signed by a Weft server: set WEFT_API_URL to one (`weft server start`).');
  const run = await findFlowRun(store, id);
  const link = await signer.createResumeLink(run.id, { ...(options.key === undefined ? {} : { key: options.key }), ...(seconds === undefined ? {} : { expiresInSeconds: seconds }) });
  if (options.json) return writeOut(`${JSON.stringify(link, null, 2)}\n`);
  // The page first: it is what a person is sent; the API address is for scripts.
  return writeOut(
    `${link.pageUrl}\n` +
      `(a page that resumes or rejects pause '${link.key}' of flow run '${run.name}' once, until ${link.expiresAt}, without the API key;\n` +
      ` scripts POST {"input": …} or {"reject": "why"} to ${link.url})\n`,
  );
}
