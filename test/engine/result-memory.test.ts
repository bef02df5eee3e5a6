import { describe, expect, it } from 'vitest';
import { ResultMemory } from '../../src/engine/result-memory.js';

describe('ResultMemory', () => {
  it('drops the least recently used value beyond its count capacity', () => {
    const memory = new ResultMemory(2);
    memory.set('a', 1, 10);
    memory.set('b', 2, 10);
    expect(memory.get('a')).toBe(1); // a is now the most recent
    memory.set('c', 3, 10);
    expect([memory.has('a'), memory.has('b'), memory.has('c')]).toEqual([true, false, true]);
  });

  it('drops the oldest values beyond its byte bound', () => {
    const memory = new ResultMemory(100, 25);
    memory.set('a', 'x', 10);
    memory.set('b', 'y', 10);
    memory.set('c', 'z', 10);
    expect([memory.has('a'), memory.has('b'), memory.has('c')]).toEqual([false, true, true]);
  });

  it('does not keep a value larger than its byte bound, nor any value at capacity 0', () => {
    const bounded = new ResultMemory(100, 25);
    bounded.set('big', 'x', 26);
    expect(bounded.has('big')).toBe(false);
    const none = new ResultMemory(0);
    none.set('a', 1, 1);
    expect(none.has('a')).toBe(false);
  });

  it('counts a replaced or deleted value once', () => {
    const memory = new ResultMemory(100, 20);
    memory.set('a', 1, 15);
    memory.set('a', 2, 15);
    memory.delete('a');
    memory.set('b', 3, 20);
    expect(memory.get('b')).toBe(3);
  });

  it('keeps an undefined value as a hit', () => {
    const memory = new ResultMemory(1);
    memory.set('a', undefined, 1);
    expect(memory.has('a')).toBe(true);
    expect(memory.get('a')).toBeUndefined();
  });

  it('shrinks to a smaller capacity', () => {
    const memory = new ResultMemory(3);
    for (const id of ['a', 'b', 'c']) memory.set(id, id, 1);
    memory.resize(1);
    expect([memory.has('a'), memory.has('b'), memory.has('c')]).toEqual([false, false, true]);
  });
});
