/**
 * The bounded in-memory cache of persisted results: the most recently used values stay in
 * memory, the rest are read back from result storage when a future or a downstream task needs
 * them. Results that are not persisted always stay in memory (there is nowhere else to read them).
 */

/** A least-recently-used map with a fixed capacity. @internal */
export class ResultMemory {
  private readonly values = new Map<string, unknown>();

  constructor(private capacity: number) {}

  /** Changes the capacity (from settings), dropping the oldest entries beyond it. */
  resize(capacity: number): void {
    this.capacity = capacity;
    this.trim();
  }

  has(taskRunId: string): boolean {
    return this.values.has(taskRunId);
  }

  get(taskRunId: string): unknown {
    const value = this.values.get(taskRunId);
    if (value !== undefined || this.values.has(taskRunId)) {
      this.values.delete(taskRunId);
      this.values.set(taskRunId, value);
    }
    return value;
  }

  set(taskRunId: string, value: unknown): void {
    if (this.capacity <= 0) return;
    this.values.delete(taskRunId);
    this.values.set(taskRunId, value);
    this.trim();
  }

  private trim(): void {
    for (const key of this.values.keys()) {
      if (this.values.size <= this.capacity) break;
      this.values.delete(key);
    }
  }
}

/** The process-wide cache of persisted results. @internal */
export const resultMemory = new ResultMemory(1000);
