/**
 * Following a flow run's logs as they are recorded (`weft logs ID --follow`), by polling the
 * store with a cursor: each poll asks for the lines written after the last one seen
 * (`listLogs(id, { afterSeq })`), so no line is printed twice and none is skipped.
 *
 * The same loop serves embedded mode (the local SQLite record) and client mode (the HTTP store,
 * `WEFT_API_URL`). Polling the HTTP store was chosen over the server's event stream
 * (`GET /api/v1/events?flowRunId=`) because it is the simpler one that is correct: the stream
 * only carries what happens after the subscription (the backlog would need a separate read and a
 * merge without ids to deduplicate by), it drops a task run's line recorded without a flow-run
 * id, and a reconnect loses lines; the cursor has none of these gaps.
 *
 * The cursor relies on a run's lines being committed in the order their `seq` was assigned. That
 * holds for SQLite (one writer at a time) and for the server (a client sends a run's batches one
 * after another); a flow run writing straight into Postgres with overlapping batch transactions
 * could commit out of order, and a line committed late behind a newer one would be skipped.
 *
 * A run's last lines (`Finished in state …`, hook messages) are recorded just after its final
 * state, so following ends once the run is final AND no new line arrived for `settleMs`.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { isFinal } from '../states.js';
import type { StateSnapshot } from '../states.js';
import { RunNotFoundError } from '../errors.js';
import type { LogRecord } from '../store/records.js';
import type { Store } from '../store/store.js';

/** Options of {@link followLogs}. */
export interface FollowLogsOptions {
  /** Time between polls, in ms. @default 250 */
  readonly intervalMs?: number;
  /** Once the run is final, stop after this long without a new line, in ms. @default 1_000 */
  readonly settleMs?: number;
  /** Aborting it (Ctrl-C) stops following after the poll in progress. */
  readonly signal?: AbortSignal;
}

/** How following ended: the run's final state, or `undefined` when it was interrupted. */
export type FollowOutcome = { readonly state: StateSnapshot } | undefined;

/** Waits `ms`, or less when `signal` aborts; never rejects. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  await delay(ms, undefined, signal === undefined ? {} : { signal }).catch(() => undefined);
}

/**
 * Hands every log line of the flow run `flowRunId` to `print` in the order written: those
 * recorded so far, then new ones as they are recorded, until the run is in a final state
 * (COMPLETED, FAILED, CANCELLED, CRASHED) and its last lines are in, or `signal` aborts.
 * @throws RunNotFoundError when the run is deleted while it is followed.
 * @example
 * const outcome = await followLogs(store, run.id, async (lines) => print(lines), { signal });
 */
export async function followLogs(
  store: Store,
  flowRunId: string,
  print: (lines: readonly LogRecord[]) => Promise<void>,
  options: FollowLogsOptions = {},
): Promise<FollowOutcome> {
  const intervalMs = options.intervalMs ?? 250;
  const settleMs = options.settleMs ?? 1_000;
  const { signal } = options;
  let afterSeq: number | undefined;
  let finalSince: number | undefined;
  let lastNews = Date.now();
  for (;;) {
    // The state is read before the lines: every line recorded before the run turned final is in
    // this poll's answer, and the quiet period covers the lines recorded after it.
    const run = await store.readFlowRun(flowRunId);
    if (run === undefined) throw new RunNotFoundError(`Flow run ${flowRunId} was deleted while its logs were followed.`);
    const lines = await store.listLogs(flowRunId, afterSeq === undefined ? {} : { afterSeq });
    if (lines.length > 0) {
      await print(lines);
      afterSeq = lines.reduce((max, line) => Math.max(max, line.seq ?? max), afterSeq ?? 0);
      lastNews = Date.now();
    }
    if (isFinal(run.state)) {
      finalSince ??= Date.now();
      if (Date.now() - Math.max(finalSince, lastNews) >= settleMs) return { state: run.state };
    }
    if (signal?.aborted) return undefined;
    await pause(intervalMs, signal);
    if (signal?.aborted) return undefined;
  }
}
