import { describe, expect, it } from 'vitest';
import { CorruptResultError } from '../../src/errors.js';
import { decodeResultRecord, encodeResultRecord, isExpired, type ResultMetadata } from '../../src/results/result-record.js';

const meta: ResultMetadata = {
  serializer: 'v8+gzip',
  producedBy: 'task-run-1',
  createdAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-02T00:00:00.000Z',
};
const payload = new Uint8Array([1, 2, 3, 250, 0, 7]);
const where = 'local:/tmp/storage key daily/x';

describe('result records', () => {
  it('decodes exactly the metadata and payload encoded', () => {
    const decoded = decodeResultRecord(encodeResultRecord(meta, payload), where);
    expect(decoded.meta).toEqual(meta);
    expect(Buffer.from(decoded.payload).equals(Buffer.from(payload))).toBe(true);
  });

  it('keeps the task that made the result, and reads records written without one', () => {
    const made = decodeResultRecord(encodeResultRecord({ ...meta, taskKey: 'flows/etl.ts:download' }, payload), where);
    expect(made.meta.taskKey).toBe('flows/etl.ts:download');
    const { taskKey: _none, ...older } = { ...meta, taskKey: undefined };
    expect(decodeResultRecord(encodeResultRecord(older, payload), where).meta.taskKey).toBeUndefined();
  });

  it('keeps an empty payload and a never-expiring result', () => {
    const m = { ...meta, expiresAt: null };
    const decoded = decodeResultRecord(encodeResultRecord(m, new Uint8Array(0)), where);
    expect(decoded.meta).toEqual(m);
    expect(decoded.payload.length).toBe(0);
  });

  it('decodes a record that sits inside a larger buffer', () => {
    const record = encodeResultRecord(meta, payload);
    const outer = new Uint8Array(record.length + 10);
    outer.set(record, 5);
    expect(decodeResultRecord(outer.subarray(5, 5 + record.length), where).meta).toEqual(meta);
  });

  it('refuses a truncated record with a CorruptResultError naming where and what to do', () => {
    const record = encodeResultRecord(meta, payload);
    for (const cut of [0, 10, record.length - 1]) {
      const decode = (): unknown => decodeResultRecord(record.subarray(0, cut), where);
      expect(decode).toThrow(CorruptResultError);
      expect(decode).toThrow(/local:\/tmp\/storage key daily\/x.*Delete it.*refreshCache/s);
    }
  });

  it('refuses bytes that are not a record', () => {
    expect(() => decodeResultRecord(new TextEncoder().encode('{"just":"json", "padding": "............................................................"}'), where)).toThrow(
      /not a Weft result record/,
    );
  });

  it('refuses an altered payload byte', () => {
    const record = encodeResultRecord(meta, payload);
    record[record.length - 2] = (record[record.length - 2] ?? 0) ^ 0xff;
    expect(() => decodeResultRecord(record, where)).toThrow(/checksum/);
  });

  it('refuses altered metadata', () => {
    const record = encodeResultRecord(meta, payload);
    const start = record.indexOf('{'.charCodeAt(0));
    record[start] = 'x'.charCodeAt(0);
    expect(() => decodeResultRecord(record, where)).toThrow(/metadata is not valid JSON/);
  });
});

describe('isExpired', () => {
  it('is false before expiresAt and true at or after it', () => {
    expect(isExpired(meta, new Date('2026-01-01T12:00:00Z'))).toBe(false);
    expect(isExpired(meta, new Date('2026-01-02T00:00:00Z'))).toBe(true);
    expect(isExpired(meta, new Date('2027-01-01T00:00:00Z'))).toBe(true);
  });
  it('never expires a result with expiresAt null', () => {
    expect(isExpired({ ...meta, expiresAt: null }, new Date('2999-01-01T00:00:00Z'))).toBe(false);
  });
});
