/**
 * The artifacts and variables records' contract, run against every implementation (SQLite on its
 * thread, Postgres, the HTTP client through a server).
 */
import { describe, expect, it } from 'vitest';
import { ArtifactNotFoundError, ArtifactValidationError, VariableExistsError, VariableValidationError } from '../../src/errors.js';
import type { ArtifactRecord } from '../../src/store/artifacts.js';
import type { VariableRecord } from '../../src/store/variables.js';

/** A fresh record and how to dispose of it. */
export interface ArtifactRecordFixture {
  readonly record: ArtifactRecord & VariableRecord;
  cleanup(): Promise<void>;
}

const at = (seconds: number): string => new Date(Date.parse('2026-12-01T10:00:00.000Z') + seconds * 1000).toISOString();

/** Declares the suite. */
export function artifactRecordConformance(label: string, open: () => Promise<ArtifactRecordFixture>): void {
  describe(`artifacts and variables record: ${label}`, () => {
    const using = async (body: (record: ArtifactRecord & VariableRecord) => Promise<void>): Promise<void> => {
      const fixture = await open();
      try {
        await body(fixture.record);
      } finally {
        await fixture.cleanup();
      }
    };

    it('keeps versions of a key, newest first, filtered by key, run and type', () =>
      using(async (record) => {
        const first = await record.createArtifact({ type: 'markdown', data: '# v1', key: 'report', flowRunId: 'run-1', taskRunId: 'task-1' }, at(0));
        const table = await record.createArtifact({ type: 'table', data: { columns: ['a', 'b'], rows: [[1, null], ['x', true]] }, flowRunId: 'run-1' }, at(1));
        const second = await record.createArtifact({ type: 'markdown', data: '# v2', key: 'report', description: 'second run', flowRunId: 'run-2' }, at(2));
        expect(first).toMatchObject({ type: 'markdown', data: '# v1', key: 'report', flowRunId: 'run-1', taskRunId: 'task-1', description: null });
        expect(await record.readArtifact(table.id)).toMatchObject({ type: 'table', data: { columns: ['a', 'b'], rows: [[1, null], ['x', true]] }, key: null });
        expect((await record.readLatestArtifact('report'))?.id).toBe(second.id);
        expect((await record.listArtifacts({ key: 'report' })).map((a) => a.data)).toEqual(['# v2', '# v1']);
        expect((await record.listArtifacts({ flowRunId: 'run-1' })).map((a) => a.id)).toEqual([table.id, first.id]);
        expect((await record.listArtifacts({ taskRunId: 'task-1' })).map((a) => a.id)).toEqual([first.id]);
        expect((await record.listArtifacts({ type: 'table' })).map((a) => a.id)).toEqual([table.id]);
        expect(await record.listArtifacts({ limit: 1 })).toHaveLength(1);
        expect(await record.readLatestArtifact('nothing-here')).toBeUndefined();
        expect(await record.readArtifact('no-such-id')).toBeUndefined();
      }));

    it('moves a progress artifact and refuses content of another shape', () =>
      using(async (record) => {
        const bar = await record.createArtifact({ type: 'progress', data: 0, key: 'load' }, at(0));
        const moved = await record.updateArtifact(bar.id, { data: 42.5 }, at(5));
        expect(moved).toMatchObject({ type: 'progress', data: 42.5 });
        expect((await record.readArtifact(bar.id))?.data).toBe(42.5);
        await expect(record.updateArtifact(bar.id, { data: 'half' }, at(6))).rejects.toBeInstanceOf(ArtifactValidationError);
        await expect(record.updateArtifact('no-such-id', { data: 1 }, at(6))).rejects.toBeInstanceOf(ArtifactNotFoundError);
      }));

    it('refuses a bad key, a ragged table, a non-http link and oversized content, saying what is wrong', () =>
      using(async (record) => {
        const refused = async (artifact: Parameters<ArtifactRecord['createArtifact']>[0], text: string): Promise<void> => {
          const error = await record.createArtifact(artifact, at(0)).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(ArtifactValidationError);
          expect((error as Error).message).toContain(text);
        };
        await refused({ type: 'markdown', data: 'x', key: 'Daily Report' }, 'lowercase letters, digits and dashes');
        await refused({ type: 'table', data: { columns: ['a', 'b'], rows: [[1]] } }, 'row 0 must be an array of 2 cells');
        await refused({ type: 'link', data: { url: 'javascript:alert(1)', text: null } }, 'http or https');
        await refused({ type: 'markdown', data: 'x'.repeat(1_000_001) }, 'over the limit of 1000000');
        expect(await record.listArtifacts()).toEqual([]);
      }));

    it('sets, reads, lists and deletes variables; a taken name needs overwrite', () =>
      using(async (record) => {
        const set = await record.setVariable({ name: 'batch_size', value: 500, tags: ['etl'] }, { overwrite: false }, at(0));
        expect(set).toMatchObject({ name: 'batch_size', value: 500, tags: ['etl'] });
        await record.setVariable({ name: 'regions', value: { eu: ['de', 'fr'], on: true, none: null } }, { overwrite: false }, at(0));
        await expect(record.setVariable({ name: 'batch_size', value: 1 }, { overwrite: false }, at(1))).rejects.toBeInstanceOf(VariableExistsError);
        expect((await record.readVariable('batch_size'))?.value).toBe(500);
        const over = await record.setVariable({ name: 'batch_size', value: 1000 }, { overwrite: true }, at(2));
        expect(over).toMatchObject({ value: 1000, tags: [] });
        expect((await record.listVariables()).map((v) => [v.name, v.value])).toEqual([
          ['batch_size', 1000],
          ['regions', { eu: ['de', 'fr'], on: true, none: null }],
        ]);
        expect(await record.deleteVariable('batch_size')).toBe(true);
        expect(await record.deleteVariable('batch_size')).toBe(false);
        expect(await record.readVariable('batch_size')).toBeUndefined();
      }));

    it('refuses variable names and values outside the limits', () =>
      using(async (record) => {
        await expect(record.setVariable({ name: 'Batch Size', value: 1 }, { overwrite: false }, at(0))).rejects.toThrow(/lowercase letters, digits, _ and -/);
        await expect(record.setVariable({ name: 'x'.repeat(256), value: 1 }, { overwrite: false }, at(0))).rejects.toBeInstanceOf(VariableValidationError);
        await expect(record.setVariable({ name: 'big', value: 'x'.repeat(5_000) }, { overwrite: false }, at(0))).rejects.toThrow(/over the limit of 5000/);
        await record.setVariable({ name: 'just_fits', value: 'x'.repeat(4_998) }, { overwrite: false }, at(0));
        expect(((await record.readVariable('just_fits'))?.value as string).length).toBe(4_998);
      }));
  });
}
