/**
 * The event bus: events serialized once for every reader, and batches that wait longer as readers
 * grow (one write per reader per batch).
 */
import { describe, expect, it } from 'vitest';
import { EventBus, flushDelay, type EventBatch, type ServerEvent } from '../../src/server/event-bus.js';

const logEvent = (message: string): ServerEvent => ({
  kind: 'log',
  log: { flowRunId: 'f1', taskRunId: null, name: 'test', level: 20, message, timestamp: '2026-01-01T00:00:00.000Z' },
});

describe('EventBus', () => {
  it('hands every subscriber the same buffer of frames, each event serialized once', () => {
    const bus = new EventBus({ flushMs: 60_000 });
    const got: EventBatch[][] = [[], []];
    const offs = got.map((batches) => bus.subscribe((batch) => batches.push(batch)));
    for (const message of ['one', 'two', 'three']) bus.publish(logEvent(message));
    bus.flush();
    const [first, second] = got.map((batches) => batches[0]);
    expect(first?.events.map((e) => e.id)).toEqual(second?.events.map((e) => e.id));
    expect(first?.frames).toBe(second?.frames); // one Buffer, not two equal ones
    const event = first?.events[0];
    expect(event?.frame).toBe(event?.frame); // made once, then kept
    expect(first?.frames.toString()).toContain('"message":"three"');
    offs.forEach((off) => off());
  });

  it('waits the base interval with up to 50 subscribers, then one interval more per 50, at most 200 ms', () => {
    expect([1, 50, 51, 100, 200, 10_000].map((n) => flushDelay(25, n))).toEqual([25, 25, 50, 50, 100, 200]);
    expect(flushDelay(500, 1000)).toBe(500); // a longer configured interval is kept
  });
});
