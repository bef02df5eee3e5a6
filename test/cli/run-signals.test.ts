/**
 * How `watchRunStops` tells a second stop from the first one delivered twice: GNU `timeout`
 * signals weft and then its process group, so one SIGTERM often arrives twice in a row.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { watchRunStops, type RunStopWatch } from '../../src/cli/run-signals.js';

describe('watchRunStops', () => {
  const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  let watch: RunStopWatch | undefined;
  let listenersBefore: Map<string, Array<(...args: unknown[]) => void>>;
  beforeEach(() => {
    listenersBefore = new Map(SIGNALS.map((s) => [s, process.listeners(s) as Array<(...args: unknown[]) => void>]));
  });
  afterEach(() => {
    watch?.close();
    // A stopped watch keeps its listeners (by design): remove what this test added.
    for (const s of SIGNALS) for (const l of process.listeners(s)) if (!listenersBefore.get(s)?.includes(l as (...args: unknown[]) => void)) process.off(s, l);
    vi.restoreAllMocks();
  });

  it('treats a signal repeated within the window as the same stop, and a later one as a second stop that exits', () => {
    let clock = 1_000;
    const exits: Array<number | undefined> = [];
    vi.spyOn(process, 'exit').mockImplementation(((code?: number) => void exits.push(code)) as never);
    const stops: string[] = [];
    watch = watchRunStops({ cancelOnLauncherExit: false, repeatWindowMs: 1000, now: () => clock, onStop: (s) => stops.push(s.reason) });

    process.emit('SIGTERM', 'SIGTERM');
    clock += 5;
    process.emit('SIGTERM', 'SIGTERM'); // timeout's second delivery, to the process group
    expect(stops).toEqual(['Cancelled by SIGTERM.']);
    expect(watch.stopped?.exitCode).toBe(143);
    expect(exits).toEqual([]);

    clock += 1_500;
    process.emit('SIGINT', 'SIGINT'); // the user insists
    expect(exits).toEqual([130]);
    expect(stops).toHaveLength(1);
  });

  it('keeps listening after close() once stopped, so a late copy of the signal cannot kill the process before it prints the run', () => {
    const before = process.listenerCount('SIGTERM');
    const quiet = watchRunStops({ cancelOnLauncherExit: false });
    quiet.close();
    expect(process.listenerCount('SIGTERM')).toBe(before); // never stopped: nothing left behind

    watch = watchRunStops({ cancelOnLauncherExit: false });
    process.emit('SIGTERM', 'SIGTERM');
    watch.close();
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
  });
});
