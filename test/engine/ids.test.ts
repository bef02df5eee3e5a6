import { describe, expect, it } from 'vitest';
import { newRunId } from '../../src/engine/ids.js';

describe('run ids', () => {
  it('are version-7 UUIDs that sort in the order they were made', () => {
    const ids = Array.from({ length: 10_000 }, () => newRunId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('carry their creation time', () => {
    const before = Date.now();
    const id = newRunId();
    const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now() + 1);
  });
});
