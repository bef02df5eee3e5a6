/** Reading the overlap of slot holders from `start <who> <ms>` / `end <who> <ms>` lines. */

/** The most holders at once, from the lines of an overlap log (ends before starts at equal times). */
export function maxOverlap(lines: readonly string[]): number {
  const events = lines
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [kind, , at] = l.split(' ');
      return { at: Number(at), delta: kind === 'start' ? 1 : -1 };
    })
    .sort((a, b) => a.at - b.at || a.delta - b.delta);
  let now = 0;
  let most = 0;
  for (const e of events) {
    now += e.delta;
    most = Math.max(most, now);
  }
  return most;
}
