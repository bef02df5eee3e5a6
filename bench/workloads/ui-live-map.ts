// A wide map that keeps running for a while, for bench/ui.ts's live phase: n task runs, each
// sleeping `ms`, 40 at once, so a 100 000-wide map sends live updates at a steady pace (at most
// 40 / ms × 1000 task runs/s: 1 333/s at 30 ms, 75 s for 100 000) for longer than the phase,
// instead of finishing in its first seconds and leaving an idle page to measure.
import { z } from 'zod';
import { ConcurrentTaskRunner, flow, task } from 'weft';

const nap = task({ name: 'nap' }, async (ms: number) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return ms;
});

export const pacedMap = flow(
  {
    name: 'ui-live-map',
    taskRunner: new ConcurrentTaskRunner({ maxConcurrency: 40 }),
    parameters: z.object({ n: z.number().int().min(1).default(100_000), ms: z.number().int().min(0).default(30) }),
  },
  async ({ n, ms }) => (await nap.map(Array.from({ length: n }, () => ms)).result()).length,
);
