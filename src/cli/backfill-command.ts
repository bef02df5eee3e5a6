/**
 * `weft deployments backfill NAME --from TIME --to TIME`: runs of a deployment for its scheduled
 * times in a range (at most 1000; a time that already has a run is skipped), through the server
 * with WEFT_API_URL, else straight into the record (SQLite or Postgres).
 */
import { getClient } from '../engine/client.js';
import { UsageError } from '../errors.js';
import { backfill } from '../server/scheduler/backfill.js';
import { hasSchedules, type BackfillReport, type RemoteBackfill } from '../store/schedules.js';
import { EXIT_OK, type ExitCode } from './exit-codes.js';
import { writeOut } from './output.js';
import { isRealDateTime } from './time-options.js';

/** Options of `weft deployments backfill`. */
export interface BackfillOptions {
  readonly from: string;
  readonly to: string;
  readonly json?: boolean;
}

/** An ISO 8601 time with its zone, as epoch ms. */
function instant(flag: string, text: string): number {
  const ms = /(Z|[+-]\d\d:?\d\d)$/i.test(text.trim()) ? Date.parse(text) : Number.NaN;
  if (!Number.isNaN(ms) && !isRealDateTime(text)) throw new UsageError(`${flag} '${text}' names a date or time that does not exist (check the day of the month). Give e.g. ${flag} 2026-01-01T00:00:00Z.`);
  if (Number.isNaN(ms)) throw new UsageError(`${flag} '${text}' is not an ISO 8601 time with a zone. Give e.g. ${flag} 2026-01-01T00:00:00Z.`);
  return ms;
}

/**
 * Runs the command; resolves with the exit code.
 * @example
 * await backfillCommand('etl/nightly', { from: '2026-01-01T00:00:00Z', to: '2026-01-31T23:59:59Z' });
 */
export async function backfillCommand(reference: string, options: BackfillOptions): Promise<ExitCode> {
  const from = instant('--from', options.from);
  const to = instant('--to', options.to);
  const { store } = await getClient();
  let report: BackfillReport;
  if (typeof (store as Partial<RemoteBackfill>).backfillDeployment === 'function') {
    report = await (store as unknown as RemoteBackfill).backfillDeployment(reference, new Date(from).toISOString(), new Date(to).toISOString());
  } else if (hasSchedules(store)) {
    report = await backfill(store, reference, from, to, Date.now());
  } else {
    throw new UsageError('This Weft record cannot keep schedules: use the embedded SQLite file, Postgres or a Weft server.');
  }
  if (options.json) await writeOut(`${JSON.stringify(report, null, 2)}\n`);
  else await writeOut(`Backfill of ${report.deployment}: ${report.times} scheduled times from ${new Date(from).toISOString()} to ${new Date(to).toISOString()}, ${report.created} runs created (${report.times - report.created} existed).\n`);
  return EXIT_OK;
}
