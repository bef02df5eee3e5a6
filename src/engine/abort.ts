/**
 * Waiting that stops when an AbortSignal fires: how timeouts and cancellation reach code that
 * is sleeping or awaiting.
 *
 * A flow run's signal is raced by every task call it makes. Each waiter is not its own
 * listener on the signal: adding a listener to an EventTarget walks those already there, so
 * a listener per task call makes each call cost more the larger the run. Instead each signal
 * gets one listener, which wakes a set of waiters (adding and removing one is O(1)).
 */

/** The abort reason is passed on unchanged (typed as Error: reasons the engine sets are errors). */
type Waiter = (reason: Error) => void;

/** The waiters of each signal that has any; the signal's one listener wakes them all. */
const waitersBySignal = new WeakMap<AbortSignal, Set<Waiter>>();

/**
 * Calls `waiter` once with the abort reason when `signal` aborts; returns the function that
 * stops waiting. The signal holds one listener however many waiters it has. @internal
 */
export function onAbort(signal: AbortSignal, waiter: Waiter): () => void {
  let waiters = waitersBySignal.get(signal);
  if (!waiters) {
    const set = new Set<Waiter>();
    waiters = set;
    waitersBySignal.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        waitersBySignal.delete(signal);
        for (const wake of set) wake(signal.reason as Error);
        set.clear();
      },
      { once: true },
    );
  }
  const set = waiters;
  set.add(waiter);
  return () => {
    set.delete(waiter);
  };
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** Sleeps `ms`, rejecting early with the abort reason when `signal` aborts. @internal */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const stop = signal
      ? onAbort(signal, (reason) => {
          clearTimeout(timer);
          reject(reason);
        })
      : undefined;
    const timer = setTimeout(() => {
      stop?.();
      resolve();
    }, ms);
  });
}

/**
 * Settles with `promise`, or rejects with the abort reason as soon as `signal` aborts (the
 * promise keeps running; its later rejection is absorbed). @internal
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(asError(signal.reason));
  }
  return new Promise<T>((resolve, reject) => {
    const stop = onAbort(signal, (reason) => reject(reason));
    promise.then(
      (value) => {
        stop();
        resolve(value);
      },
      (error: unknown) => {
        stop();
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the user's rejection value is passed on unchanged
        reject(error);
      },
    );
  });
}
