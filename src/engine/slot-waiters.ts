/**
 * The waiters of one process for slots of limits, in line per limit. A release wakes the oldest
 * waiter of each limit it freed (not all of them: a wide map of tagged tasks would otherwise
 * retry all at once on every release); a waiter that got in wakes the next, in case more room
 * came free, and one that found no room goes back to the head of its line. Waiters whose try is
 * in flight when a release happens are woken too, so no release is missed between a try and its wait.
 *
 * Fairness: a line is split by the waiters' fairness keys (keyed concurrency gives its key), and
 * releases go round robin over the keys waiting, oldest waiter first within a key. So a key with
 * 1 000 waiting runs and a key with one take turns; waiters without a key share one turn, first
 * come, first served, as before.
 */

/** One waiter: woken, or waiting for a wake, a timer or an abort. */
export class SlotWaiter {
  /** The limit whose release woke it, since its last try began ('' for a wake of every limit). */
  wokenFor: string | undefined;
  /**
   * The limit whose line gave it the turn, since its last try began: it must pass the turn on if
   * it does not use it. Unset for a wake while its try was in flight (that only means: try again).
   */
  turnFor: string | undefined;
  /** The limit in whose line it is parked, if any. @internal */
  parkedOn: string | undefined;
  #wake: (() => void) | undefined;

  /** Wakes it (records why); `turn`: it was given the turn in the line of `name`. */
  wake(name: string, turn = false): void {
    this.wokenFor ??= name;
    if (turn) this.turnFor ??= name;
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

/** The waiters of one limit: a queue per fairness key, and the keys in the order of their turns. */
class FairLine {
  readonly #queues = new Map<string, SlotWaiter[]>();
  /** Keys with waiters; the first has the next turn. */
  readonly #turns: string[] = [];

  get empty(): boolean {
    return this.#turns.length === 0;
  }

  /** In line under `key`; at the head (and its key's turn next) when it had its turn already. */
  add(waiter: SlotWaiter, key: string, atHead: boolean): void {
    const queue = this.#queues.get(key);
    if (queue === undefined) {
      this.#queues.set(key, [waiter]);
      if (atHead) this.#turns.unshift(key);
      else this.#turns.push(key);
      return;
    }
    if (!atHead) {
      queue.push(waiter);
      return;
    }
    queue.unshift(waiter);
    this.#turns.splice(this.#turns.indexOf(key), 1);
    this.#turns.unshift(key);
  }

  /** The waiter whose turn is next. */
  peek(): SlotWaiter | undefined {
    const key = this.#turns[0];
    return key === undefined ? undefined : this.#queues.get(key)?.[0];
  }

  /** The oldest waiter of the key whose turn it is, out of line; that key goes to the back. */
  next(): SlotWaiter | undefined {
    const key = this.#turns.shift();
    if (key === undefined) return undefined;
    const queue = this.#queues.get(key) as SlotWaiter[];
    const waiter = queue.shift();
    if (queue.length === 0) this.#queues.delete(key);
    else this.#turns.push(key);
    return waiter;
  }

  /** Out of line, wherever it is. */
  remove(waiter: SlotWaiter): void {
    for (const [key, queue] of this.#queues) {
      const at = queue.indexOf(waiter);
      if (at < 0) continue;
      queue.splice(at, 1);
      if (queue.length === 0) {
        this.#queues.delete(key);
        this.#turns.splice(this.#turns.indexOf(key), 1);
      }
      return;
    }
  }
}

/** The lines of waiters of one process, per limit name. */
export class SlotWaiters {
  readonly #asking = new Set<SlotWaiter>();
  readonly #lines = new Map<string, FairLine>();

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
    waiter.turnFor = undefined;
    this.#asking.add(waiter);
  }

  /**
   * Its try found no room on `name`: in line for it under its fairness key (at the head, with
   * the next turn, when it had its turn already).
   */
  park(waiter: SlotWaiter, name: string, atHead: boolean, fairnessKey = ''): void {
    this.#asking.delete(waiter);
    let line = this.#lines.get(name);
    if (line === undefined) {
      line = new FairLine();
      this.#lines.set(name, line);
    }
    line.add(waiter, fairnessKey, atHead);
    waiter.parkedOn = name;
  }

  /**
   * True when `waiter` has the next turn in the line of `name` (or is in no line): only that one
   * looks again on its timer for room freed elsewhere, so a wide wait does not poll the record
   * once per waiter, and polling cannot jump the turns.
   */
  isNext(waiter: SlotWaiter, name: string): boolean {
    if (waiter.parkedOn !== name) return true;
    return this.#lines.get(name)?.peek() === waiter;
  }

  /** Slots of `names` came free (undefined: of any limit): wakes the oldest waiter of each, and those asking. */
  freed(names?: readonly string[]): void {
    for (const waiter of this.#asking) waiter.wake(names?.[0] ?? '');
    for (const name of names ?? [...this.#lines.keys()]) {
      const line = this.#lines.get(name);
      const first = line?.next();
      if (line?.empty === true) this.#lines.delete(name);
      if (first) first.parkedOn = undefined;
      first?.wake(name, true);
    }
  }

  /** It is done (got its slots, gave up or was cancelled). */
  leave(waiter: SlotWaiter): void {
    this.#remove(waiter);
  }

  #remove(waiter: SlotWaiter): void {
    this.#asking.delete(waiter);
    const name = waiter.parkedOn;
    if (name === undefined) return;
    waiter.parkedOn = undefined;
    const line = this.#lines.get(name);
    line?.remove(waiter);
    if (line?.empty === true) this.#lines.delete(name);
  }
}
