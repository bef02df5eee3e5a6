/**
 * The bounded in-memory cache of persisted results: the most recently used values stay in
 * memory, the rest are read back from result storage when a future or a downstream task needs
 * them. Results that are not persisted always stay in memory (there is nowhere else to read them).
 */

/**
 * Serialized bytes the cache holds at most, whatever its count capacity: a few large results
 * must not pin gigabytes. A value's size is taken as the size of its serialized form. @internal
 */
export const RESULT_MEMORY_MAX_BYTES = 32 * 1024 * 1024;

interface Entry {
  readonly value: unknown;
  readonly bytes: number;
}

/**
 * A least-recently-used map bounded by count and by (serialized) bytes.
 * @internal
 */
export class ResultMemory {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    private capacity: number,
    private readonly maxBytes: number = RESULT_MEMORY_MAX_BYTES,
  ) {}

  /** Changes the count capacity (from settings), dropping the oldest entries beyond it. */
  resize(capacity: number): void {
    this.capacity = capacity;
    this.trim();
  }

  has(taskRunId: string): boolean {
    return this.entries.has(taskRunId);
  }

  get(taskRunId: string): unknown {
    const entry = this.entries.get(taskRunId);
    if (!entry) return undefined;
    this.entries.delete(taskRunId);
    this.entries.set(taskRunId, entry);
    return entry.value;
  }

  /** Keeps `value` (whose serialized form is `bytes` long); a value larger than the byte bound is not kept. */
  set(taskRunId: string, value: unknown, bytes = 0): void {
    this.delete(taskRunId);
    if (this.capacity <= 0 || bytes > this.maxBytes) return;
    this.entries.set(taskRunId, { value, bytes });
    this.bytes += bytes;
    this.trim();
  }

  delete(taskRunId: string): void {
    const entry = this.entries.get(taskRunId);
    if (!entry) return;
    this.entries.delete(taskRunId);
    this.bytes -= entry.bytes;
  }

  private trim(): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.capacity && this.bytes <= this.maxBytes) break;
      this.entries.delete(key);
      this.bytes -= entry.bytes;
    }
  }
}
