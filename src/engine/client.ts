/**
 * The process's connection to the orchestration record: the store chosen by settings and the
 * batching recorder in front of it. Opened on first use, shared by every run in the process.
 */
import { loadSettings, type Settings } from '../settings.js';
import { BatchRecorder } from '../store/batch-recorder.js';
import { settleDeadOwners } from '../store/dead-owners.js';
import { openStore } from '../store/open-store.js';
import { hasRunOwners } from '../store/run-owner.js';
import type { Store } from '../store/store.js';
import { errorMessage } from '../states.js';
import { printLine, setLogThreshold } from './logging.js';
import { resultMemory } from './result-memory.js';
import { RunLeases } from './run-leases.js';

/** The store and recorder a process records through. @internal */
export interface EngineClient {
  readonly settings: Settings;
  readonly store: Store;
  readonly recorder: BatchRecorder;
  /** The owner leases of the runs this process runs; undefined in client mode (the server watches those). */
  readonly leases?: RunLeases | undefined;
}

let client: Promise<EngineClient> | undefined;

async function open(): Promise<EngineClient> {
  const settings = loadSettings();
  setLogThreshold(settings.logging.level, settings.logging.consoleLevel);
  resultMemory.resize(settings.results.memoryCacheSize);
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
  return { settings, store, recorder, leases: RunLeases.for(store) };
}

/** The shared client, opened on first call. @internal */
export function getClient(): Promise<EngineClient> {
  client ??= open().catch((error: unknown) => {
    client = undefined;
    throw error;
  });
  return client;
}

/**
 * Writes what is buffered and closes the record. The next run opens it again (settings are
 * read anew), which is how tests switch `WEFT_HOME`.
 * @example
 * await closeClient();
 */
export async function closeClient(): Promise<void> {
  const current = client;
  client = undefined;
  if (!current) return;
  const { recorder, store } = await current;
  try {
    await recorder.flush();
  } finally {
    await store.close();
  }
}
