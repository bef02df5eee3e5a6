/**
 * The limits record's contract, run against every implementation (SQLite on its thread,
 * Postgres, the HTTP client through a server). Times are passed in: lease expiry and bucket
 * drain are checked by moving the clock, never by sleeping.
 */
import { describe, expect, it } from 'vitest';
import { LimitExistsError, LimitNotFoundError, UsageError } from '../../src/errors.js';
import type { LimitRecord, SlotRequest } from '../../src/store/limits.js';

/** A fresh record and how to dispose of it. */
export interface LimitRecordFixture {
  readonly record: LimitRecord;
  cleanup(): Promise<void>;
  /** Whether the record honours the caller's `now` (a server uses its own clock). @default true */
  readonly callerClock?: boolean;
}

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

const request = (names: string[], now: string, extra: Partial<SlotRequest> = {}): SlotRequest => ({
  names,
  occupy: 1,
  holder: { label: 'test' },
  leaseSeconds: 30,
  now,
  ...extra,
});

/** Declares the suite. */
export function limitRecordConformance(label: string, open: () => Promise<LimitRecordFixture>): void {
  describe(`limits record: ${label}`, () => {
    const using = async (body: (record: LimitRecord, callerClock: boolean) => Promise<void>): Promise<void> => {
      const fixture = await open();
      try {
        await body(fixture.record, fixture.callerClock ?? true);
      } finally {
        await fixture.cleanup();
      }
    };

    it('creates, reads, lists, updates and deletes limits; a taken name is refused', () =>
      using(async (record) => {
        const created = await record.createLimit({ name: 'db', limit: 3 }, at(0));
        expect(created).toMatchObject({ name: 'db', limit: 3, active: true, slotDecayPerSecond: null, activeSlots: 0, holders: [] });
        await record.createLimit({ name: 'api', limit: 5, slotDecayPerSecond: 2 }, at(0));
        expect((await record.listLimits(at(0))).map((l) => l.name)).toEqual(['api', 'db']);
        await expect(record.createLimit({ name: 'db', limit: 1 }, at(0))).rejects.toBeInstanceOf(LimitExistsError);
        const updated = await record.updateLimit('db', { limit: 4, active: false }, at(1));
        expect(updated).toMatchObject({ limit: 4, active: false });
        await expect(record.updateLimit('nope', { limit: 1 }, at(1))).rejects.toBeInstanceOf(LimitNotFoundError);
        expect(await record.deleteLimit('db')).toBe(true);
        expect(await record.deleteLimit('db')).toBe(false);
        expect(await record.readLimit('db', at(1))).toBeUndefined();
      }));

    it('refuses a bad name, a negative size and a zero decay with a UsageError saying why', () =>
      using(async (record) => {
        await expect(record.createLimit({ name: 'has space', limit: 1 }, at(0))).rejects.toThrow(/letters, digits/);
        await expect(record.createLimit({ name: 'x', limit: -1 }, at(0))).rejects.toThrow(/whole number from 0/);
        await expect(record.createLimit({ name: 'x', limit: 1, slotDecayPerSecond: 0 }, at(0))).rejects.toBeInstanceOf(UsageError);
      }));

    it('refuses a decay below a slot in about 11.6 days, and tells a blocked acquisition to retry within a year', () =>
      using(async (record, callerClock) => {
        await expect(record.createLimit({ name: 'x', limit: 1, slotDecayPerSecond: 1e-300 }, at(0))).rejects.toThrow(/slotDecayPerSecond must be a number from 0.000001/);
        await record.createLimit({ name: 'y', limit: 1, slotDecayPerSecond: 0.5 }, at(0));
        await expect(record.updateLimit('y', { slotDecayPerSecond: 1e-7 }, at(0))).rejects.toBeInstanceOf(UsageError);
        await record.createLimit({ name: 'slow', limit: 1_000_000, slotDecayPerSecond: 1e-6 }, at(0));
        const now = callerClock ? at(0) : new Date().toISOString();
        expect((await record.acquireSlots(request(['slow'], now, { occupy: 1_000_000 }))).acquired).toBe(true);
        // Without a bound: 1e6 slots over at 1e-6 a second is 1e12 s, past year 30 000.
        const blocked = await record.acquireSlots(request(['slow'], now, { occupy: 1_000_000 }));
        expect(blocked.acquired).toBe(false);
        const retryAt = Date.parse((blocked as { retryAt: string }).retryAt);
        expect(retryAt - Date.parse(now)).toBeLessThanOrEqual(366 * 86_400_000);
      }));

    it('takes slots on several limits all or nothing', () =>
      using(async (record) => {
        await record.createLimit({ name: 'a', limit: 1 }, at(0));
        await record.createLimit({ name: 'b', limit: 2 }, at(0));
        const first = await record.acquireSlots(request(['a'], at(0)));
        expect(first.acquired).toBe(true);
        const both = await record.acquireSlots(request(['a', 'b'], at(1)));
        expect(both).toMatchObject({ acquired: false, blockedBy: 'a' });
        expect((await record.readLimit('b', at(1)))?.activeSlots).toBe(0); // nothing of b was taken
        if (first.acquired && first.leaseId !== null) expect(await record.releaseSlots(first.leaseId)).toBe(true);
        const again = await record.acquireSlots(request(['a', 'b'], at(2), { holder: { label: 'both', flowRunId: 'run-1' } }));
        expect(again.acquired).toBe(true);
        const b = await record.readLimit('b', at(2));
        expect(b?.activeSlots).toBe(1);
        expect(b?.holders).toMatchObject([{ label: 'both', flowRunId: 'run-1', slots: 1 }]);
        expect(await record.releaseRunSlots('run-1')).toBe(2);
        expect((await record.readLimit('a', at(2)))?.activeSlots).toBe(0);
      }));

    it('refuses at once to occupy more slots than a limit has', () =>
      using(async (record) => {
        await record.createLimit({ name: 'small', limit: 2 }, at(0));
        await expect(record.acquireSlots(request(['small'], at(0), { occupy: 3 }))).rejects.toThrow(/only 2, so this would wait forever/);
      }));

    it('skips an inactive limit and reports a missing one', () =>
      using(async (record) => {
        await record.createLimit({ name: 'off', limit: 0, active: false }, at(0));
        const answer = await record.acquireSlots(request(['off', 'ghost'], at(0)));
        expect(answer).toMatchObject({ acquired: true, leaseId: null, missing: ['ghost'] });
      }));

    it('gives the slots of a lease back when it expires unrenewed, and renews a live one', () =>
      using(async (record, callerClock) => {
        if (!callerClock) return; // the server's clock decides there; covered by the SIGKILL test
        await record.createLimit({ name: 'one', limit: 1 }, at(0));
        const held = await record.acquireSlots(request(['one'], at(0)));
        expect(held.acquired).toBe(true);
        const blocked = await record.acquireSlots(request(['one'], at(10)));
        expect(blocked).toMatchObject({ acquired: false, blockedBy: 'one', retryAt: at(30) });
        const leaseId = held.acquired ? (held.leaseId ?? '') : '';
        expect(await record.renewSlotLease(leaseId, 30, at(20))).toBe(true); // now until 50
        expect((await record.acquireSlots(request(['one'], at(40)))).acquired).toBe(false);
        expect((await record.readLimit('one', at(49)))?.holders).toHaveLength(1);
        expect((await record.readLimit('one', at(51)))?.activeSlots).toBe(0);
        expect(await record.renewSlotLease(leaseId, 30, at(51))).toBe(false); // too late: gone
        expect((await record.acquireSlots(request(['one'], at(51)))).acquired).toBe(true);
      }));

    it('drops a keyed limit once every lease on it has expired unreleased (its holder died)', () =>
      using(async (record, callerClock) => {
        if (!callerClock) return; // the server's clock decides there; covered by keyed-concurrency's SIGKILL test
        const name = 'keyed:task/lapse/acme';
        const held = await record.acquireSlots(request([name], at(0), { implicitLimit: 1 }));
        expect(held.acquired).toBe(true);
        expect((await record.readLimit(name, at(29)))?.holders).toHaveLength(1);
        expect((await record.listLimits(at(29))).map((l) => l.name)).toContain(name);
        expect((await record.listLimits(at(31))).map((l) => l.name)).not.toContain(name);
        expect(await record.readLimit(name, at(31))).toBeUndefined();
        expect((await record.acquireSlots(request([name], at(31), { implicitLimit: 1 }))).acquired).toBe(true);
      }));

    it('drains a rate limit at its decay rate', () =>
      using(async (record, callerClock) => {
        if (!callerClock) return;
        await record.createLimit({ name: 'rate', limit: 2, slotDecayPerSecond: 1 }, at(0));
        expect(await record.acquireSlots(request(['rate'], at(0)))).toMatchObject({ acquired: true, leaseId: null });
        expect((await record.acquireSlots(request(['rate'], at(0)))).acquired).toBe(true);
        expect(await record.acquireSlots(request(['rate'], at(0.5)))).toMatchObject({ acquired: false, retryAt: at(1) });
        expect((await record.acquireSlots(request(['rate'], at(1)))).acquired).toBe(true);
        expect((await record.readLimit('rate', at(1)))?.activeSlots).toBeCloseTo(2, 5);
        expect((await record.readLimit('rate', at(3)))?.activeSlots).toBe(0);
      }));

    it('resets a limit: its leases are dropped and counted', () =>
      using(async (record) => {
        await record.createLimit({ name: 'r', limit: 3 }, at(0));
        const now = new Date().toISOString();
        await record.acquireSlots(request(['r'], now, { occupy: 2 }));
        expect(await record.resetLimit('r', now)).toBe(1);
        expect((await record.readLimit('r', now))?.activeSlots).toBe(0);
        await expect(record.resetLimit('ghost', now)).rejects.toBeInstanceOf(LimitNotFoundError);
      }));

    it('makes a keyed limit on demand with the size asked for, resizes it, and deletes it when its last lease ends', () =>
      using(async (record) => {
        const now = new Date().toISOString();
        const name = 'keyed:task/sync/tenant-a';
        const first = await record.acquireSlots(request([name], now, { implicitLimit: 2 }));
        expect(first).toMatchObject({ acquired: true, missing: [] });
        expect(await record.readLimit(name, now)).toMatchObject({ limit: 2, activeSlots: 1 });
        const second = await record.acquireSlots(request([name], now, { implicitLimit: 2 }));
        expect(second.acquired).toBe(true);
        expect(await record.acquireSlots(request([name], now, { implicitLimit: 2 }))).toMatchObject({ acquired: false, blockedBy: name });
        // the code now says 3: the limit follows it
        const third = await record.acquireSlots(request([name], now, { implicitLimit: 3 }));
        expect(third.acquired).toBe(true);
        expect((await record.readLimit(name, now))?.limit).toBe(3);
        const ids = [first, second, third].map((a) => (a.acquired ? (a.leaseId ?? '') : ''));
        expect(await record.releaseSlots(ids[0]!)).toBe(true);
        expect(await record.releaseSlots(ids[1]!)).toBe(true);
        expect((await record.readLimit(name, now))?.activeSlots).toBe(1); // still held: kept
        expect(await record.releaseSlots(ids[2]!)).toBe(true);
        expect(await record.readLimit(name, now)).toBeUndefined(); // idle: gone
      }));

    it('takes a keyed limit and a named one all or nothing, and frees the keyed limit with its flow run', () =>
      using(async (record) => {
        const now = new Date().toISOString();
        await record.createLimit({ name: 'shared', limit: 1 }, now);
        const key = 'keyed:flow/onboard/acme';
        const held = await record.acquireSlots(request(['shared', key], now, { implicitLimit: 5, holder: { flowRunId: 'run-1', label: 'flow run' } }));
        expect(held.acquired).toBe(true);
        expect(await record.acquireSlots(request(['shared', 'keyed:flow/onboard/other'], now, { implicitLimit: 5 }))).toMatchObject({ acquired: false, blockedBy: 'shared' });
        expect(await record.releaseRunSlots('run-1')).toBeGreaterThan(0);
        expect(await record.readLimit(key, now)).toBeUndefined();
        expect((await record.readLimit('shared', now))?.activeSlots).toBe(0);
      }));

    it('refuses to create a keyed: limit by hand, and a bad implicit size', () =>
      using(async (record) => {
        const now = new Date().toISOString();
        await expect(record.createLimit({ name: 'keyed:task/x/y', limit: 1 }, now)).rejects.toThrow(/keyed concurrency/);
        await expect(record.acquireSlots(request(['keyed:task/x/y'], now, { implicitLimit: 0 }))).rejects.toThrow(/implicitLimit|greater than or equal|>=/);
        // without implicitLimit a keyed name is missing like any other, never made
        expect(await record.acquireSlots(request(['keyed:task/x/y'], now))).toMatchObject({ acquired: true, leaseId: null, missing: ['keyed:task/x/y'] });
      }));
  });
}
