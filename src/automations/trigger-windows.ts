/**
 * Trigger evaluation (issue 17): events in the order they were recorded go through each enabled
 * automation's trigger; each trigger keeps a window per group (`forEach`), and a window fires at
 * most once, then resolves (closes) and a later window can fire again.
 *
 * - Reactive: a window opens at the first matching event and lasts `within` seconds (by the
 *   events' times); it fires when `threshold` events are in it.
 * - Proactive: an `after` event opens a window of `within` seconds; an `expect`ed event counts;
 *   `threshold` of them resolve it quietly; at its end (by the injected clock, `tick(now)`) a
 *   window short of them fires.
 * - Compound: a window over the parts' firings, which fires when `require` of them fired within
 *   `within` seconds.
 *
 * The windows are plain data (`WindowState`): the caller stores them with the cursor of events
 * read, in one transaction, so a restarted server goes on exactly where it stopped.
 */
import type { StoredEvent, WeftEvent } from '../store/events.js';
import type { CompoundTrigger, EventTrigger, Trigger } from './automation-spec.js';
import { nameMatches } from './automation-spec.js';

/** One open window. */
export interface WindowState {
  /** When it opened, ms since the epoch. */
  readonly start: number;
  /** When it closes, ms since the epoch. */
  readonly expiresAt: number;
  /** Matching events so far (reactive), expected events so far (proactive). */
  readonly count: number;
  /** It fired already (it only resolves now). */
  readonly fired: boolean;
  /** The event that opened it (proactive) or the last one counted (reactive): what a firing is about. */
  readonly event: WeftEvent;
  /** Compound: when each part fired, by index. */
  readonly parts?: Readonly<Record<string, number>>;
}

/** A window's place: the automation, the trigger's path in it (`0`, `1` … for compound parts, `c` for the compound) and the group. */
export interface WindowKey {
  readonly automationId: string;
  readonly path: string;
  readonly bucket: string;
}

/** A firing: once per automation, group and window. */
export interface Firing {
  readonly automationId: string;
  readonly bucket: string;
  /** The event the firing is about (its flow run is the "triggering run"). */
  readonly event: WeftEvent;
  /** Unique per automation, group and window: the same firing found again (after a restart) is recorded once. */
  readonly idempotencyKey: string;
  /** When it fired, ms since the epoch. */
  readonly at: number;
}

/** An automation as the evaluator sees it. */
export interface EvaluatedAutomation {
  readonly id: string;
  readonly trigger: Trigger;
}

const keyOf = (k: WindowKey): string => `${k.automationId}\u0000${k.path}\u0000${k.bucket}`;

/** The key of a stored window. */
export function windowKey(automationId: string, path: string, bucket: string): string {
  return keyOf({ automationId, path, bucket });
}

function valueMatches(patterns: string | readonly string[], value: string | undefined): boolean {
  if (value === undefined) return false;
  return (typeof patterns === 'string' ? [patterns] : patterns).some((p) => nameMatches(p, value));
}

function labelsMatch(matcher: Readonly<Record<string, string | readonly string[]>>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(matcher).every(([label, patterns]) => valueMatches(patterns, labels[label]));
}

/** True when `event`'s resource and related resources match the trigger's labels. */
export function resourcesMatch(trigger: EventTrigger, event: WeftEvent): boolean {
  if (trigger.match !== undefined && !labelsMatch(trigger.match, event.resource)) return false;
  const related = trigger.matchRelated === undefined ? [] : Array.isArray(trigger.matchRelated) ? trigger.matchRelated : [trigger.matchRelated];
  return related.every((m) => event.related.some((r) => labelsMatch(m, r)));
}

function bucketOf(trigger: EventTrigger, event: WeftEvent): string {
  return trigger.forEach.map((label) => event.resource[label] ?? '').join('\u0001');
}

/**
 * The windows of every automation, and what events do to them.
 * @example
 * const windows = new TriggerWindows(loaded);
 * const firings = windows.evaluate(automations, event);
 * const more = windows.tick(automations, Date.now());
 * store(windows.takeChanges());
 */
export class TriggerWindows {
  readonly #windows = new Map<string, { key: WindowKey; state: WindowState }>();
  /** Keys changed since the last `takeChanges`. */
  readonly #changed = new Set<string>();

  constructor(loaded: readonly { readonly key: WindowKey; readonly state: WindowState }[] = []) {
    for (const w of loaded) this.#windows.set(keyOf(w.key), w);
  }

  /** How many windows are open. */
  get size(): number {
    return this.#windows.size;
  }

  #set(key: WindowKey, state: WindowState | undefined): void {
    const k = keyOf(key);
    if (state === undefined) this.#windows.delete(k);
    else this.#windows.set(k, { key, state });
    this.#changed.add(k);
  }

  #get(key: WindowKey): WindowState | undefined {
    return this.#windows.get(keyOf(key))?.state;
  }

  /** The windows changed since the last call: the open ones to store, the keys of the closed ones to delete. */
  takeChanges(): { upserts: { key: WindowKey; state: WindowState }[]; deletes: WindowKey[] } {
    const upserts: { key: WindowKey; state: WindowState }[] = [];
    const deletes: WindowKey[] = [];
    for (const k of this.#changed) {
      const w = this.#windows.get(k);
      if (w) upserts.push(w);
      else {
        const [automationId = '', path = '', bucket = ''] = k.split('\u0000');
        deletes.push({ automationId, path, bucket });
      }
    }
    this.#changed.clear();
    return { upserts, deletes };
  }

  /** Forgets the windows of automations not in `ids` (deleted or disabled). */
  retain(ids: ReadonlySet<string>): void {
    for (const { key } of [...this.#windows.values()]) if (!ids.has(key.automationId)) this.#set(key, undefined);
  }

  /** Runs `event` through every automation's trigger; gives the firings. */
  evaluate(automations: readonly EvaluatedAutomation[], event: StoredEvent | WeftEvent): Firing[] {
    const at = Date.parse(event.occurred);
    const firings: Firing[] = [];
    for (const automation of automations) {
      const { trigger } = automation;
      if (trigger.type === 'event') {
        const fired = this.#eventTrigger(automation.id, '0', trigger, event, at);
        if (fired) firings.push(fired);
      } else {
        trigger.triggers.forEach((part, i) => {
          const fired = this.#eventTrigger(automation.id, String(i), part, event, at);
          if (fired) {
            const compound = this.#compoundPart(automation.id, trigger, i, fired);
            if (compound) firings.push(compound);
          }
        });
      }
    }
    return firings;
  }

  #eventTrigger(automationId: string, path: string, trigger: EventTrigger, event: WeftEvent, at: number): Firing | undefined {
    const expected = trigger.expect.some((p) => nameMatches(p, event.event));
    const opens = trigger.posture === 'Proactive' && trigger.after.some((p) => nameMatches(p, event.event));
    if (!expected && !opens) return undefined;
    if (!resourcesMatch(trigger, event)) return undefined;
    const key: WindowKey = { automationId, path, bucket: bucketOf(trigger, event) };
    const within = trigger.within * 1000;
    let window = this.#get(key);
    if (trigger.posture === 'Proactive') {
      if (expected && window !== undefined) {
        const count = window.count + 1;
        this.#set(key, count >= trigger.threshold ? undefined : { ...window, count }); // enough came: resolved
      } else if (opens && window === undefined) {
        this.#set(key, { start: at, expiresAt: at + within, count: 0, fired: false, event });
      }
      return undefined;
    }
    if (window !== undefined && at >= window.expiresAt) window = undefined; // resolved: a new window opens
    const opened = window ?? { start: at, expiresAt: at + within, count: 0, fired: false, event };
    const next: WindowState = { ...opened, count: opened.count + 1, event };
    const fires = !next.fired && next.count >= trigger.threshold;
    this.#set(key, within === 0 ? undefined : { ...next, fired: next.fired || fires });
    if (!fires) return undefined;
    return { automationId, bucket: key.bucket, event, at, idempotencyKey: `${automationId}:${path}:${key.bucket}:${opened.start}` };
  }

  #compoundPart(automationId: string, trigger: CompoundTrigger, index: number, part: Firing): Firing | undefined {
    const key: WindowKey = { automationId, path: 'c', bucket: '' };
    const within = trigger.within * 1000;
    let window = this.#get(key);
    if (window !== undefined && within > 0 && part.at >= window.expiresAt) window = undefined;
    const opened = window ?? { start: part.at, expiresAt: part.at + within, count: 0, fired: false, event: part.event, parts: {} };
    const parts = { ...opened.parts, [String(index)]: part.at };
    const need = trigger.require === 'any' ? 1 : trigger.require === 'all' ? trigger.triggers.length : trigger.require;
    if (Object.keys(parts).length >= need) {
      this.#set(key, undefined);
      return { automationId, bucket: '', event: part.event, at: part.at, idempotencyKey: `${automationId}:c:${opened.start}` };
    }
    this.#set(key, { ...opened, count: Object.keys(parts).length, parts, event: part.event });
    return undefined;
  }

  /**
   * Closes the windows that ended by `now`: a proactive window short of its expected events
   * fires; reactive and compound windows resolve.
   */
  tick(automations: readonly EvaluatedAutomation[], now: number): Firing[] {
    const triggers = new Map<string, Trigger>(automations.map((a) => [a.id, a.trigger]));
    const firings: Firing[] = [];
    for (const { key, state } of [...this.#windows.values()]) {
      if (state.expiresAt > now) continue;
      const trigger = triggers.get(key.automationId);
      const part = trigger?.type === 'compound' ? trigger.triggers[Number(key.path)] : trigger;
      if (part !== undefined && part.type === 'event' && part.posture === 'Proactive' && state.count < part.threshold) {
        const fired: Firing = { automationId: key.automationId, bucket: key.bucket, event: state.event, at: state.expiresAt, idempotencyKey: `${key.automationId}:${key.path}:${key.bucket}:${state.start}` };
        this.#set(key, undefined);
        if (trigger?.type === 'compound') {
          const compound = this.#compoundPart(key.automationId, trigger, Number(key.path), fired);
          if (compound) firings.push(compound);
        } else firings.push(fired);
        continue;
      }
      if (key.path !== 'c' || (trigger?.type === 'compound' && trigger.within > 0)) this.#set(key, undefined);
    }
    return firings;
  }
}
