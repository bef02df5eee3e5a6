/**
 * The waiters of one process for slots of limits, in line per limit. A release wakes the oldest
 * waiter of each limit it freed (not all of them: a wide map of tagged tasks would otherwise
 * retry all at once on every release); a waiter that got in wakes the next, in case more room
 * came free, and one that found no room goes back to the head of its line. Waiters whose try is
 * in flight when a release happens are woken too, so no release is missed between a try and its wait.
 */

/** One waiter: woken, or waiting for a wake, a timer or an abort. */
export class SlotWaiter {
  /** The limit whose release woke it, since its last try began ('' for a wake of every limit). */
  wokenFor: string | undefined;
  #wake: (() => void) | undefined;

  /** Wakes it (records why). */
  wake(name: string): void {
    this.wokenFor ??= name;
    this.#wake?.();
  }

  /** Resolves on a wake, after `ms`, or when `signal` aborts; at once if woken already. */
  async wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.wokenFor !== undefined || signal?.aborted === true) return;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, ms);
        onAbort = resolve;
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    } finally {
      this.#wake = undefined;
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** The lines of waiters of one process, per limit name. */
export class SlotWaiters {
  readonly #asking = new Set<SlotWaiter>();
  readonly #lines = new Map<string, SlotWaiter[]>();

  /** A new waiter whose first try is about to begin. */
  enter(): SlotWaiter {
    const waiter = new SlotWaiter();
    this.#asking.add(waiter);
    return waiter;
  }

  /** Its next try begins: it forgets why it was woken. */
  asking(waiter: SlotWaiter): void {
    this.#remove(waiter);
    waiter.wokenFor = undefined;
    this.#asking.add(waiter);
  }

  /** Its try found no room on `name`: in line for it (at the head when it had its turn already). */
  park(waiter: SlotWaiter, name: string, atHead: boolean): void {
    this.#asking.delete(waiter);
    const line = this.#lines.get(name) ?? [];
    if (atHead) line.unshift(waiter);
    else line.push(waiter);
    this.#lines.set(name, line);
  }

  /** Slots of `names` came free (undefined: of any limit): wakes the oldest waiter of each, and those asking. */
  freed(names?: readonly string[]): void {
    for (const waiter of this.#asking) waiter.wake(names?.[0] ?? '');
    for (const name of names ?? [...this.#lines.keys()]) {
      const line = this.#lines.get(name);
      const first = line?.shift();
      if (line?.length === 0) this.#lines.delete(name);
      first?.wake(name);
    }
  }

  /** It is done (got its slots, gave up or was cancelled). */
  leave(waiter: SlotWaiter): void {
    this.#remove(waiter);
  }

  #remove(waiter: SlotWaiter): void {
    this.#asking.delete(waiter);
    for (const [name, line] of this.#lines) {
      const at = line.indexOf(waiter);
      if (at < 0) continue;
      line.splice(at, 1);
      if (line.length === 0) this.#lines.delete(name);
    }
  }
}
