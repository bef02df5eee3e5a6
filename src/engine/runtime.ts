/**
 * A Weft runtime: everything a process used to share between all its runs — settings, the
 * orchestration record (store and batching recorder), the log levels, the in-memory result cache,
 * the opened result storages and the runner of task runs called outside any flow — held by one
 * object. `flow()` and `task()` use a default runtime (settings from the environment); a program
 * that needs two records at once (a test, an agent) creates its own and runs flows under it.
 *
 * The runtime a run uses is carried by the async context: a flow started under a runtime records
 * into its store, and so do its task runs and subflows, without passing it around.
 *
 * What stays process-wide, on purpose: the task registry (a task registers when its module is
 * imported, before any runtime exists, and a cluster worker finds it by module and name whatever
 * the runtime), the console sink (one terminal), active-run tracking for Ctrl-C and run observers.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { UsageError } from '../errors.js';
import { LOG_LEVELS } from '../log-levels.js';
import type { ResultStorage } from '../results/result-storage.js';
import { ConcurrentTaskRunner } from '../runners/concurrent-task-runner.js';
import type { TaskRunner } from '../runners/task-runner.js';
import { environmentWith, loadSettings, type Settings } from '../settings.js';
import { errorMessage } from '../states.js';
import { BatchRecorder } from '../store/batch-recorder.js';
import { settleDeadOwners } from '../store/dead-owners.js';
import { openStore } from '../store/open-store.js';
import { hasRunOwners } from '../store/run-owner.js';
import type { Store } from '../store/store.js';
import { printLine } from './logging.js';
import { ResultMemory } from './result-memory.js';
import { RunLeases } from './run-leases.js';
import { hasLimits } from '../store/limits.js';
import { LimitSlots } from './limit-slots.js';

/** The store and recorder a runtime records through. @internal */
export interface EngineClient {
  readonly settings: Settings;
  readonly store: Store;
  readonly recorder: BatchRecorder;
  /** The owner leases of the runs this runtime runs; undefined in client mode (the server watches those). */
  readonly leases?: RunLeases | undefined;
  /** Concurrency and rate limits over this record (every store has them; optional for hand-made clients). */
  readonly limits?: LimitSlots | undefined;
}

/** Options of `createRuntime()`. */
export interface RuntimeOptions {
  /**
   * The runtime's WEFT_HOME: its SQLite record, local result storage and profile file. Other
   * `WEFT_*` variables still apply (a `WEFT_DATABASE_URL` points every runtime at that database).
   * @default the WEFT_HOME variable, else ~/.weft
   */
  readonly home?: string;
  /** Settings to use as given (for example `loadSettings(env)`); `home` is then ignored. */
  readonly settings?: Settings;
}

/** The lowest log levels a runtime records and prints. @internal */
export interface LogThresholds {
  readonly record: number;
  readonly console: number;
}

const DEFAULT_THRESHOLDS: LogThresholds = { record: LOG_LEVELS.INFO, console: LOG_LEVELS.INFO };

const runtimeStorage = new AsyncLocalStorage<WeftRuntime>();

/**
 * One runtime: settings, record, log levels, result caches and fallback runner. Opens its
 * record on first use; `close()` writes what is buffered and closes it.
 * @example
 * const rt = createRuntime({ home: '/tmp/weft-a' });
 * await rt.run(() => etl({ day: '2026-11-01' }));
 * await rt.close();
 */
export class WeftRuntime {
  /** The bounded in-memory cache of persisted results (capacity from `results.memoryCacheSize`). @internal */
  readonly resultMemory = new ResultMemory(100);
  /** Result storages opened from descriptors, once per runtime. @internal */
  readonly resultStorages = new Map<string, ResultStorage>();
  /** Runs task runs called outside any flow. @internal */
  readonly fallbackRunner: TaskRunner = new ConcurrentTaskRunner();
  private loaded: Settings | undefined;
  private thresholds: LogThresholds | undefined;
  private opened: Promise<EngineClient> | undefined;
  private closed = false;

  /** @param load reads this runtime's settings (called once, on first use). */
  constructor(private readonly load: () => Settings) {}

  /** This runtime's settings, read on first use. */
  get settings(): Settings {
    if (!this.loaded) {
      this.loaded = this.load();
      this.resultMemory.resize(this.loaded.results.memoryCacheSize);
    }
    return this.loaded;
  }

  /** The log levels recorded and printed (INFO until the settings can be read). @internal */
  logThresholds(): LogThresholds {
    if (this.thresholds) return this.thresholds;
    let logging: Settings['logging'];
    try {
      ({ logging } = this.settings);
    } catch {
      return DEFAULT_THRESHOLDS; // invalid settings are reported when the record is opened
    }
    this.thresholds = { record: LOG_LEVELS[logging.level], console: LOG_LEVELS[logging.consoleLevel ?? logging.level] };
    return this.thresholds;
  }

  /** The store and recorder, opened on first call. @internal */
  client(): Promise<EngineClient> {
    if (this.closed) {
      return Promise.reject(new UsageError('This Weft runtime is closed: create another with createRuntime() to run more flows.'));
    }
    this.opened ??= this.open().catch((error: unknown) => {
      this.opened = undefined;
      throw error;
    });
    return this.opened;
  }

  /**
   * Calls `fn` with this runtime as the current one: flows and tasks it starts (and their task
   * runs and subflows) record into this runtime's store.
   * @example
   * const total = await rt.run(() => daskExample({ n: 100 }));
   */
  run<T>(fn: () => T): T {
    if (this.closed) throw new UsageError('This Weft runtime is closed: create another with createRuntime() to run more flows.');
    return runtimeStorage.run(this, fn);
  }

  /**
   * Writes what is buffered and closes the record; the runtime cannot be used afterwards.
   * @example
   * await rt.close();
   */
  async close(): Promise<void> {
    this.closed = true;
    const current = this.opened;
    this.opened = undefined;
    if (!current) return;
    const { recorder, store } = await current;
    try {
      await recorder.flush();
    } finally {
      await store.close();
    }
  }

  /** `await using rt = createRuntime(...)` closes it at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async open(): Promise<EngineClient> {
    const settings = this.settings;
    const store = await openStore(settings);
    const recorder = new BatchRecorder(store, {
      flushIntervalMs: settings.recording.flushIntervalMs,
      batchSize: settings.recording.batchSize,
      onWriteError: (error, attempt) =>
        printLine(`weft: writing the run record failed (attempt ${attempt}), will retry: ${errorMessage(error)}`),
    });
    // Runs whose process died without a final state (SIGKILL, out of memory) are marked CRASHED
    // by the next command or flow run on the record; runs of live processes are never touched.
    if (hasRunOwners(store)) {
      await settleDeadOwners(store).catch((error: unknown) =>
        printLine(`weft: could not check the record for flow runs whose process died: ${errorMessage(error)}`),
      );
    }
    const limits = hasLimits(store)
      ? new LimitSlots(store, { leaseSeconds: settings.limits.leaseSeconds, pollMs: settings.limits.pollMs, remoteWaitMs: store.slotWaitMs ?? 0 })
      : undefined;
    return { settings, store, recorder, leases: RunLeases.for(store), limits };
  }
}

/**
 * Creates a runtime with its own record, settings and caches. Run flows under it with
 * `rt.run(() => myFlow(params))` or `myFlow.run(params, { runtime: rt })`; close it when done.
 * @example
 * const a = createRuntime({ home: '/tmp/weft-a' });
 * const b = createRuntime({ home: '/tmp/weft-b' });
 * await Promise.all([a.run(() => etl({ day: '2026-11-01' })), b.run(() => etl({ day: '2026-11-02' }))]);
 * await Promise.all([a.close(), b.close()]);
 */
export function createRuntime(options: RuntimeOptions = {}): WeftRuntime {
  const { settings, home } = options;
  if (settings) return new WeftRuntime(() => settings);
  return new WeftRuntime(() => loadSettings(home === undefined ? undefined : environmentWith({ WEFT_HOME: home })));
}

let defaultInstance: WeftRuntime | undefined;

/**
 * The runtime `flow()` and `task()` use when no other is current: settings from the
 * environment (WEFT_HOME, WEFT_* variables, the profile file).
 * @example
 * const { settings } = defaultRuntime();
 */
export function defaultRuntime(): WeftRuntime {
  defaultInstance ??= new WeftRuntime(() => loadSettings());
  return defaultInstance;
}

/**
 * Closes the default runtime; the next run starts a new one that reads the settings anew (how a
 * test switches WEFT_HOME). @internal
 */
export async function closeDefaultRuntime(): Promise<void> {
  const current = defaultInstance;
  defaultInstance = undefined;
  await current?.close();
}

/**
 * The runtime of the running code: the one a flow was started under, else the default.
 * @example
 * const { home } = currentRuntime().settings;
 */
export function currentRuntime(): WeftRuntime {
  return runtimeStorage.getStore() ?? defaultRuntime();
}
