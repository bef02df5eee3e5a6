/**
 * Failure handling: a flaky call that succeeds on its third attempt (retries with exponential
 * backoff and jitter), a call that times out, a step that fails for good, and a clean-up step
 * that runs anyway thanks to allowFailure. The flow completes and reports what happened.
 *
 *   ./bin/weft.js run examples/retries-and-failures.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { allowFailure, exponentialBackoff, flow, getRunContext, getRunLogger, isMain, task } from 'weft';

export const flakyFetch = task(
  { name: 'flaky-fetch', retries: 3, retryDelaySeconds: exponentialBackoff(0.1), retryJitterFactor: 0.5 },
  (page: number) => {
    const attempt = getRunContext().taskRun?.attempt ?? 1;
    if (attempt < 3) throw new Error(`page ${page}: connection reset (attempt ${attempt})`);
    return { page, items: page * 10 };
  },
);

export const slowQuery = task({ name: 'slow-query', timeoutSeconds: 0.2 }, async () => {
  await sleep(5_000, undefined, { signal: getRunContext().signal });
  return 'never';
});

export const brokenStep = task({ name: 'broken-step' }, (): number => {
  throw new Error('the upstream API returned 500');
});

export const cleanup = task({ name: 'cleanup' }, (outcome: unknown) => {
  const note = outcome instanceof Error ? `cleaned up after: ${outcome.message}` : 'cleaned up';
  getRunLogger().info(note);
  return note;
});

export const retriesAndFailures = flow({ name: 'retries-and-failures' }, async () => {
  const pages = await flakyFetch.map([1, 2, 3]).result();
  const timedOut = await slowQuery.run([], { returnState: true });
  const broken = brokenStep.submit();
  const cleaned = await cleanup(allowFailure(broken));
  const brokenState = await broken.wait();
  return {
    items: pages.reduce((n, p) => n + p.items, 0),
    slowQuery: timedOut.name,
    brokenStep: brokenState.type,
    cleanup: cleaned,
  };
});

if (isMain(import.meta)) console.log(await retriesAndFailures());
