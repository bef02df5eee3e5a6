/**
 * Batched, asynchronous recording for the hot path: task-run snapshots, DAG edges, state
 * history and logs are buffered and written to the store in one transaction per batch, so a
 * task run costs microseconds of orchestration, not a database round trip.
 */
import { randomBytes } from 'node:crypto';
import type { LogRecord, RecordBatch, StateRecord, TaskRunEdge, TaskRunIdentity, TaskRunRecord } from './records.js';
import type { Store } from './store.js';

/** Something that can give a task run's record when asked: read once per batch, so the
 * several transitions of a fast task run cost one snapshot. */
export interface TaskRunSource {
  readonly id: string;
  /** False while the run can still change state. A batch written because many records wait leaves an
   * unsettled source queued (its states are written), so a burst of submitted runs is written once,
   * final, instead of once Pending and again Completed; see {@link BatchRecorder}. */
  readonly settled?: boolean;
  toRecord(): TaskRunRecord;
  /** Who the run is, without a whole record (else read from `toRecord()`): named in a batch that holds its states but not its record. */
  identity?(): TaskRunIdentity;
}

function identityOf(source: TaskRunSource): TaskRunIdentity {
  if (source.identity) return source.identity();
  const { id, flowRunId, name, taskKey, tags } = source.toRecord();
  return { id, flowRunId, name, taskKey, tags };
}

/** A batch as taken from the buffers: task runs may still be live sources. */
interface PendingBatch extends Omit<RecordBatch, 'taskRuns'> {
  readonly taskRuns: readonly (TaskRunRecord | TaskRunSource)[];
}

/** The batch the store receives: every task run read now. */
function materialize(batch: PendingBatch): RecordBatch {
  return { ...batch, taskRuns: batch.taskRuns.map((run) => ('toRecord' in run ? run.toRecord() : run)) };
}

/**
 * `record` with `id`, built as one literal of one shape. A spread copy (`{ ...record, id }`) of a
 * record that was itself built with spreads got a hidden class of its own in V8, one per state
 * (60 000 of them live in the seed workload at n = 10 000), which every scavenge copied and every
 * reader looked up megamorphically.
 */
function stateWithId(record: StateRecord, id: string): StateRecord {
  return { id, runId: record.runId, runKind: record.runKind, type: record.type, name: record.name, message: record.message, timestamp: record.timestamp, error: record.error, worker: record.worker };
}

/** When a batch is written. */
export interface BatchRecorderOptions {
  /** Write at least this often while records wait, in ms. @default 200 */
  readonly flushIntervalMs?: number;
  /**
   * Write sooner when no record was queued for this long, in ms: a flow that went quiet (a slow
   * task, a wait) has its last records written within about twice this, not a flush interval
   * later, so a process killed then loses less. A steady stream of records is still written
   * once per `flushIntervalMs`, in big batches. @default 25
   */
  readonly idleFlushMs?: number;
  /**
   * Write as soon as this many records wait. Such a write leaves the live task runs that have not
   * settled queued (their state history is written, with who they are: `RecordBatch.heldTaskRuns`):
   * they are written by a later batch, normally once final. The timed writes (`idleFlushMs`,
   * `flushIntervalMs`) and `flush()` write everything.
   * @default 5000
   */
  readonly batchSize?: number;
  /** How many times `flush()` tries to get everything written before it rejects. @default 8 */
  readonly maxAttempts?: number;
  /** Told about every failed write (its records are kept and written again). */
  readonly onWriteError?: (error: unknown, attempt: number) => void;
}

const RETRY_BASE_MS = 50;

/**
 * Buffers records and writes them to a {@link Store} in batches. A failed write keeps its
 * records and is tried again: nothing handed to the recorder is dropped.
 * @example
 * const recorder = new BatchRecorder(store, { flushIntervalMs: 100 });
 * recorder.taskRun(record); await recorder.flush();
 */
export class BatchRecorder {
  private taskRuns = new Map<string, TaskRunRecord | TaskRunSource>();
  private edges: TaskRunEdge[] = [];
  private states: StateRecord[] = [];
  private logs: LogRecord[] = [];
  private waiting = 0;
  /** Unsettled live task runs that writes by size left queued, until they are queued again or a timed write takes them (they count in `waiting`, not towards `batchSize`). */
  private heldRuns = new Map<string, TaskRunSource>();
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  /** When the oldest waiting record was queued (ms), and how many waited at the last idle check. */
  private waitingSince = 0;
  private waitingAtCheck = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly flushIntervalMs: number;
  private readonly idleFlushMs: number;
  private readonly batchSize: number;
  private readonly maxAttempts: number;
  /** Ids of queued entries: random per recorder, then a counter (unique across processes). */
  private readonly idPrefix = randomBytes(12).toString('base64url');
  private nextId = 0;

  constructor(
    private readonly store: Store,
    private readonly options: BatchRecorderOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 200;
    this.idleFlushMs = Math.min(options.idleFlushMs ?? 25, this.flushIntervalMs);
    this.batchSize = options.batchSize ?? 5000;
    this.maxAttempts = options.maxAttempts ?? 8;
  }

  /**
   * Queues a task run: a record, or a live source read when the batch is written. An earlier
   * queued entry for the same id is replaced.
   */
  taskRun(run: TaskRunRecord | TaskRunSource): void {
    if (this.heldRuns.delete(run.id)) {
      // A held run changed state: it is queued again (still counted as waiting), and weighs on the size again.
      this.taskRuns.set(run.id, run);
      this.check();
      return;
    }
    const before = this.taskRuns.size;
    this.taskRuns.set(run.id, run);
    if (this.taskRuns.size !== before) this.added();
  }

  /** Queues a DAG edge. */
  edge(edge: TaskRunEdge): void {
    this.edges.push(edge);
    this.added();
  }

  /**
   * Queues a state history entry. It gets an id (unless it has one), so that writing its batch
   * again after a lost answer records it once.
   */
  state(record: StateRecord): void {
    this.states.push(record.id === undefined ? stateWithId(record, this.entryId()) : record);
    this.added();
  }

  /** Queues a log line, with an id as {@link BatchRecorder.state} gives one. */
  log(record: LogRecord): void {
    this.logs.push(record.id === undefined ? { ...record, id: this.entryId() } : record);
    this.added();
  }

  private entryId(): string {
    return `${this.idPrefix}.${(this.nextId++).toString(36)}`;
  }

  /**
   * Resolves once everything queued before the call is written; rejects if it cannot be after
   * `maxAttempts` tries. Writes are pipelined: a batch is handed to the store as soon as it is
   * taken, without waiting for the previous one to be acknowledged (the store applies them in order).
   */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.send();
    for (let attempt = 1; ; attempt++) {
      const results = await Promise.allSettled([...this.inFlight]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (!failed) return;
      if (attempt >= this.maxAttempts) throw failed.reason;
      await new Promise((resolve) => setTimeout(resolve, RETRY_BASE_MS * 2 ** (attempt - 1)));
      this.send(); // what failed was put back, with anything newer
    }
  }

  private added(): void {
    this.waiting++;
    this.check();
  }

  /** Writes now if enough records wait (not counting held runs), else makes sure the timer runs. */
  private check(): void {
    if (this.waiting - this.heldRuns.size >= this.batchSize) {
      this.send(true);
      if (this.heldRuns.size > 0) this.startTimer(); // what was held is written in time even if nothing more comes
    } else if (!this.timer) {
      this.startTimer();
    }
  }

  private startTimer(): void {
    if (!this.timer) {
      this.waitingSince = Date.now();
      this.waitingAtCheck = this.waiting;
      this.arm(this.idleFlushMs);
    }
  }

  /**
   * The timer while records wait: it checks every `idleFlushMs` (a counter compare per check, nothing
   * per record) and writes once nothing new came since the last check, or `flushIntervalMs` after the
   * oldest record, whichever is first.
   */
  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const left = this.waitingSince + this.flushIntervalMs - Date.now();
      if (this.waiting > this.waitingAtCheck && left > 0) {
        this.waitingAtCheck = this.waiting;
        this.arm(Math.min(this.idleFlushMs, left));
      } else {
        this.send();
      }
    }, ms);
    this.timer.unref();
  }

  /**
   * Hands what waits to the store now (with `holdUnsettled`, leaving unsettled live task runs queued).
   * A failed write is put back and reported, never dropped.
   */
  private send(holdUnsettled = false): void {
    const batch = this.take(holdUnsettled);
    if (!batch) return;
    const written = this.store.write(materialize(batch)).catch((error: unknown) => {
      this.putBack(batch);
      this.options.onWriteError?.(error, ++this.failures);
      throw error;
    });
    this.inFlight.add(written);
    written.then(
      () => this.inFlight.delete(written),
      () => this.inFlight.delete(written),
    );
  }

  /**
   * Takes what waits. With `holdUnsettled`, the unsettled live runs among those queued since the last
   * write move to `heldRuns` (each run is looked at once per queuing, not once per write); without it,
   * the held runs are taken too.
   */
  private take(holdUnsettled: boolean): PendingBatch | undefined {
    if (this.waiting === 0) return undefined;
    const taskRuns: (TaskRunRecord | TaskRunSource)[] = [];
    for (const run of this.taskRuns.values()) {
      if (holdUnsettled && 'toRecord' in run && run.settled === false) this.heldRuns.set(run.id, run);
      else taskRuns.push(run);
    }
    if (!holdUnsettled) {
      for (const run of this.heldRuns.values()) taskRuns.push(run); // no spread: 100 000 runs may be held
      this.heldRuns = new Map();
    }
    this.taskRuns = new Map();
    this.waiting = this.heldRuns.size;
    if (taskRuns.length + this.edges.length + this.states.length + this.logs.length === 0) return undefined;
    const heldTaskRuns = this.heldRuns.size > 0 ? this.heldIdentities(this.states) : [];
    const batch: PendingBatch = { taskRuns, edges: this.edges, states: this.states, logs: this.logs, ...(heldTaskRuns.length > 0 ? { heldTaskRuns } : {}) };
    this.edges = [];
    this.states = [];
    this.logs = [];
    return batch;
  }

  /** Who the held runs are that `states` belong to, each once. */
  private heldIdentities(states: readonly StateRecord[]): TaskRunIdentity[] {
    const named = new Set<string>();
    const identities: TaskRunIdentity[] = [];
    for (const state of states) {
      if (state.runKind !== 'task' || named.has(state.runId)) continue;
      const held = this.heldRuns.get(state.runId);
      if (held === undefined) continue;
      named.add(state.runId);
      identities.push(identityOf(held));
    }
    return identities;
  }

  /** Returns an unwritten batch to the buffers; a task run's newer entry wins over its old one. */
  private putBack(batch: PendingBatch): void {
    let added = 0;
    for (const run of batch.taskRuns) {
      if (!this.taskRuns.has(run.id) && !this.heldRuns.has(run.id)) {
        this.taskRuns.set(run.id, run);
        added++;
      }
    }
    this.edges = [...batch.edges, ...this.edges];
    this.states = [...batch.states, ...this.states];
    this.logs = [...batch.logs, ...this.logs];
    this.waiting += added + batch.edges.length + batch.states.length + batch.logs.length;
  }
}
