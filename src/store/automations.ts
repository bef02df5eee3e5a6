/**
 * The record of automations (issue 17): their definitions, the open windows of their triggers,
 * the cursor of events evaluated, and their firings with each action's outcome. Windows, cursor
 * and new firings are written in ONE transaction (`commitAutomationState`), and a firing's
 * idempotency key is unique, so a server that restarts in the middle of a window neither loses
 * nor repeats a firing. Definitions are stored as given (JSON); the automations layer checks them.
 */

/** An automation as recorded. `trigger` and `actions` are the checked definition's JSON. */
export interface AutomationRow {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly enabled: boolean;
  readonly trigger: unknown;
  readonly actions: readonly unknown[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A stored trigger window (its state is the automations layer's JSON). */
export interface StoredWindow {
  readonly automationId: string;
  readonly path: string;
  readonly bucket: string;
  readonly state: unknown;
  /** When it ends, ISO 8601. */
  readonly expiresAt: string;
}

/** One action's outcome in a firing. */
export interface ActionOutcome {
  readonly type: string;
  /** `pending` (not tried yet or to retry), `succeeded`, `failed` (retries used up, or it cannot succeed). */
  readonly status: 'pending' | 'succeeded' | 'failed';
  readonly attempts: number;
  /** Why it failed last, never holding a secret. */
  readonly error: string | null;
  /** When it was last tried, ISO 8601. */
  readonly at: string | null;
}

/** A firing as recorded. */
export interface FiringRecord {
  readonly id: string;
  readonly automationId: string;
  readonly idempotencyKey: string;
  readonly firedAt: string;
  readonly bucket: string;
  /** The event it is about, and what templates render (JSON). */
  readonly context: Readonly<Record<string, unknown>>;
  readonly actions: readonly ActionOutcome[];
  /** `pending` (actions to run or retry), `delivered` (every action succeeded), `failed` (some failed for good). */
  readonly status: 'pending' | 'delivered' | 'failed';
  /** When its pending actions are due, ISO 8601; null when none are. */
  readonly nextAttemptAt: string | null;
}

/** What one evaluation step writes. */
export interface AutomationStateChange {
  /** The `seq` of the last event evaluated. */
  readonly cursor: number;
  readonly upserts: readonly StoredWindow[];
  readonly deletes: readonly Pick<StoredWindow, 'automationId' | 'path' | 'bucket'>[];
  /** New firings; one whose idempotency key is recorded already is skipped. */
  readonly firings: readonly FiringRecord[];
}

/**
 * The automations record. The SQL stores have it.
 * @example
 * const row = await store.createAutomation({ id, name: 'notify', description: '', enabled: true, trigger, actions, createdAt: now, updatedAt: now });
 */
export interface AutomationRecord {
  /** Records a new automation. */
  createAutomation(row: AutomationRow): Promise<AutomationRow>;
  /** Every automation, by name. */
  listAutomations(): Promise<AutomationRow[]>;
  /** One automation by id or (unique) name. */
  readAutomation(reference: string): Promise<AutomationRow | undefined>;
  /** Turns one on or off. @throws AutomationNotFoundError */
  setAutomationEnabled(reference: string, enabled: boolean, now: string): Promise<AutomationRow>;
  /** Deletes one with its windows and firings. False when there is none. */
  deleteAutomation(reference: string): Promise<boolean>;
  /** The cursor (the newest event's `seq` when none is stored: history does not fire) and every open window. */
  loadAutomationState(): Promise<{ cursor: number; windows: StoredWindow[] }>;
  /** Writes windows, cursor and new firings in one transaction. */
  commitAutomationState(change: AutomationStateChange): Promise<void>;
  /** Firings with actions due by `now`, oldest first. */
  listDueFirings(now: string, limit: number): Promise<FiringRecord[]>;
  /** Records the outcome of a firing's actions. */
  updateFiring(id: string, actions: readonly ActionOutcome[], status: FiringRecord['status'], nextAttemptAt: string | null): Promise<void>;
  /** An automation's last firings, newest first. */
  listFirings(automationId: string, limit: number): Promise<FiringRecord[]>;
}

/** True when `store` keeps automations. */
export function hasAutomations<S extends object>(store: S): store is S & AutomationRecord {
  return typeof (store as Partial<AutomationRecord>).commitAutomationState === 'function';
}
