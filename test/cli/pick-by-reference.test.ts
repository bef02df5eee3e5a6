/**
 * Picking the record a command names by id, name or id prefix (pick-by-reference.ts).
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { pickByReference } from '../../src/cli/pick-by-reference.js';

const words = { what: 'automation', listCommand: 'weft automations ls' };
const rows = [
  { id: 'abcd1234-0000-4000-8000-000000000001', name: 'twin' },
  { id: 'abcd5678-0000-4000-8000-000000000002', name: 'twin' },
  { id: 'ef012345-0000-4000-8000-000000000003', name: 'solo' },
];

describe('pickByReference', () => {
  it('takes an id, a unique name and a unique id prefix of at least 4 characters', () => {
    expect(pickByReference(rows, 'abcd5678-0000-4000-8000-000000000002', words)?.name).toBe('twin');
    expect(pickByReference(rows, 'solo', words)?.id).toBe(rows[2]?.id);
    expect(pickByReference(rows, 'abcd1234', words)?.id).toBe(rows[0]?.id);
    expect(pickByReference(rows, 'EF01', words)?.id).toBe(rows[2]?.id);
    expect(pickByReference(rows, 'ef0', words)).toBeUndefined();
    expect(pickByReference(rows, 'nosuch', words)).toBeUndefined();
  });

  it('refuses a shared name and a shared prefix, listing the ids', () => {
    expect(() => pickByReference(rows, 'twin', words)).toThrow(UsageError);
    expect(() => pickByReference(rows, 'twin', words)).toThrow(/2 automations are named 'twin': abcd1234-.*1 \(twin\), abcd5678-.*2 \(twin\)\. Give the id/);
    expect(() => pickByReference(rows, 'abcd', words)).toThrow(/2 automations have ids starting with 'abcd'/);
  });
});
