// scratch: engine ceiling with a store that discards writes (measurement only)
import { flow, task } from '../src/index.js';
import * as client from '../src/engine/client.js';
import { BatchRecorder } from '../src/store/batch-recorder.js';
import type { Store } from '../src/store/store.js';
const nullStore = { createFlowRun: async () => {}, setFlowRunState: async () => {}, write: async () => {}, close: async () => {} } as unknown as Store;
(client as unknown as { __setForBench?: unknown });
const inc = task({ name: 'inc' }, (x: number) => x + 1);
const dec = task({ name: 'dec' }, (x: number) => x - 1);
const add = task({ name: 'add' }, (x: number, y: number) => x + y);
const sum = task({ name: 'sum' }, (xs: number[]) => xs.reduce((a, b) => a + b, 0));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const f = flow({ name: 'bench' }, async ({ n }: { n: number }) => sum(add.map(inc.map(range(n)), dec.map(range(n)))));
const c = await client.getClient();
(c as { store: Store }).store = nullStore;
(c as { recorder: BatchRecorder }).recorder = new BatchRecorder(nullStore);
await f({ n: 100 });
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  await f({ n: 10000 });
  const ms = performance.now() - t;
  console.log(ms.toFixed(0), 'ms', ((30001 / ms) * 1000).toFixed(0), 'runs/s');
}
