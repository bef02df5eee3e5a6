/**
 * Task tags limited by concurrency limits named `tag:<tag>`, as in Prefect: a task run whose
 * tags have such limits takes one slot of each (all at once) before it runs and gives them back
 * when it ends, with no change to the task's code. Tags without a limit cost nothing: the names
 * of existing limits are read at most every {@link TAG_LIMITS_REFRESH_MS} per runtime, and a task
 * run touches the record only when one of its tags is limited.
 */
import type { SlotHolder } from '../store/limits.js';
import type { KeyedSlot } from './keyed-limits.js';
import type { LimitSlots, SlotLease } from './limit-slots.js';

/** How long the list of existing limit names is trusted, in ms (a new tag limit applies within it). */
export const TAG_LIMITS_REFRESH_MS = 2_000;

/** The limit name for a tag. */
export const tagLimitName = (tag: string): string => `tag:${tag}`;

/** What waiting for tag slots reports. */
export interface TagSlotOptions {
  readonly holder: SlotHolder;
  readonly signal?: AbortSignal;
  /** Called once when the task run has to wait, with the limit it waits on. */
  readonly onWait: (limitName: string) => void;
}

/**
 * Takes one slot of each `tag:<tag>` limit that exists for `tags`, and of the run's keyed limit
 * when it has one, all at once, waiting for room (by turns with other keys); undefined when
 * none of the tags is limited and there is no keyed limit.
 */
export async function acquireTagSlots(slots: LimitSlots, tags: readonly string[], options: TagSlotOptions, keyed?: KeyedSlot): Promise<SlotLease | undefined> {
  let names: string[] = [];
  if (tags.length > 0) {
    const existing = await slots.existingNames(TAG_LIMITS_REFRESH_MS);
    names = tags.map(tagLimitName).filter((name) => existing.has(name));
  }
  if (keyed) names.push(keyed.name);
  if (names.length === 0) return undefined;
  return slots.acquire(names, {
    occupy: 1,
    holder: options.holder,
    onWait: options.onWait,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(keyed ? { implicitLimit: keyed.limit, fairnessKey: keyed.key } : {}),
  });
}
