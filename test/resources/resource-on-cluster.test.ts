/**
 * A resource used inside a task that runs on a LocalCluster worker process: setup and cleanup run
 * in the worker (their value is a live object there), cleanup runs once whether the block
 * completes or throws, and their logs come back to the flow run's record.
 */
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ClusterTaskRunner, flow, LocalCluster } from '../../src/index.js';
import { useTempHome } from '../helpers/temp-home.js';
import { failInScratch, useScratch } from './fixtures/resource-tasks.js';

const temp = useTempHome();
const cluster = new LocalCluster({ nWorkers: 1 });
afterAll(() => cluster.close());

describe('resource() inside a task on a cluster worker', () => {
  it('sets up and cleans up in the worker process, once, and logs both to the run', async () => {
    const etl = flow({ name: 'resource-on-worker', taskRunner: new ClusterTaskRunner({ cluster }) }, async () => {
      const ok = await useScratch('ok');
      const failed = await failInScratch.submit('bad').wait();
      return { ok, failed: failed.message ?? '' };
    });
    const { ok, failed } = await etl({});
    const [worker] = cluster.workers;
    expect(ok.pid).not.toBe(process.pid);
    expect(ok.pid).toBe(worker!.pid);
    expect(ok.wrote).toBe(true);
    expect(existsSync(ok.dir)).toBe(false); // cleanup removed it in the worker
    expect(failed).toMatch(new RegExp(`^Error: failed inside .*weft-scratch-bad-.* in pid ${worker!.pid}$`));
    const badDir = /inside (\S+) in pid/.exec(failed)![1]!;
    expect(existsSync(badDir)).toBe(false); // removed although the block threw

    const store = await temp.store();
    const run = (await store.listFlowRuns({ flowName: 'resource-on-worker', limit: 1 }))[0]!;
    const logs = (await store.listLogs(run.id)).map((l) => l.message);
    for (const dir of [ok.dir, badDir]) {
      expect(logs.filter((m) => m === `made ${dir} in pid ${worker!.pid}`)).toHaveLength(1);
      expect(logs.filter((m) => m === `removed ${dir} in pid ${worker!.pid}`)).toHaveLength(1);
    }
  });
});
