/**
 * Bounds how many file operations a storage has in flight: a map of 100 000 tasks persisting at
 * once would otherwise open 100 000 files and fail with EMFILE. Operations beyond the bound wait
 * in order.
 */

/**
 * Runs async operations at most `max` at a time.
 * @example
 * const io = new IoLimiter(64);
 * await io.run(() => writeFile(path, bytes));
 */
export class IoLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  /** Runs `operation` when a slot is free. */
  async run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await operation();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
