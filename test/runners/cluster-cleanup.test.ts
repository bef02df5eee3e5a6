import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ClusterTaskRunner, flow } from '../../src/index.js';
import { useTempHome } from '../helpers/temp-home.js';
import { whereAmI } from './fixtures/cluster-tasks.js';
import { isAlive, waitUntil } from './process-helpers.js';

const home = useTempHome();

/** Makes every later flow-run state change fail in the record, as a full disk would. */
function breakTheRecord(): void {
  const db = new Database(join(home.home(), 'weft.db'));
  try {
    db.exec(`CREATE TRIGGER refuse_flow_run_updates BEFORE UPDATE ON flow_runs BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;`);
  } finally {
    db.close();
  }
}

describe('a temporary cluster when the record fails', () => {
  it('is shut down, leaving no worker process, when a flow-run state cannot be recorded', async () => {
    let workerPid = 0;
    const doomed = flow({ name: 'record-fails', retries: 1, taskRunner: new ClusterTaskRunner({ clusterOptions: { nWorkers: 1 } }) }, async () => {
      workerPid = await whereAmI(1);
      breakTheRecord();
      throw new Error('fails, so the engine records AwaitingRetry, which the record refuses');
    });
    await expect(doomed({})).rejects.toThrow(/database or disk is full/);
    expect(workerPid).toBeGreaterThan(0);
    expect(workerPid).not.toBe(process.pid);
    await waitUntil(() => !isAlive(workerPid), 'the temporary cluster worker to exit', 10);
  });
});
