import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { checkStorageKeyTemplate, renderStorageKey, type StorageKeyValues } from '../../src/results/storage-key-template.js';

const values: StorageKeyValues = {
  taskName: 'download',
  parameters: { city: 'Lyon', n: 3, config: { region: 'eu' }, when: new Date('2026-02-03T00:00:00Z'), tags: ['a', 'b'] },
  flowRun: { id: 'fr-1', name: 'brave-otter' },
  taskRun: { id: 'tr-9', mapIndex: 4 },
  now: new Date('2026-03-04T05:06:07.089Z'),
};

describe('checkStorageKeyTemplate', () => {
  it('accepts every known field', () => {
    expect(() =>
      checkStorageKeyTemplate(
        '{task_name}/{today}/{now}/{parameters.city}/{flow_run.id}/{flow_run.name}/{task_run.map_index}/{task_run.id}',
      ),
    ).not.toThrow();
    expect(() => checkStorageKeyTemplate('plain-key')).not.toThrow();
  });

  it('refuses unknown fields with a UsageError naming them and the known ones', () => {
    const check = (): void => checkStorageKeyTemplate('{task}-{today}-{flow_run.date}');
    expect(check).toThrow(UsageError);
    expect(check).toThrow(/unknown fields \{task\}, \{flow_run\.date\}\. Known fields: \{task_name\}.*\{parameters\.<name>\}/);
    expect(() => checkStorageKeyTemplate('{parameters.}')).toThrow(/\{parameters\.\}/);
    expect(() => checkStorageKeyTemplate('{}')).toThrow(UsageError);
  });

  it('refuses unmatched braces and an empty template', () => {
    expect(() => checkStorageKeyTemplate('{task_name')).toThrow(/unmatched '\{'/);
    expect(() => checkStorageKeyTemplate('task_name}')).toThrow(/unmatched '\}'/);
    expect(() => checkStorageKeyTemplate('  ')).toThrow(UsageError);
  });
});

describe('renderStorageKey', () => {
  it('renders the daily-download pattern with today in UTC', () => {
    expect(renderStorageKey('{task_name}-{today}', values)).toBe('download-2026-03-04');
    const lateEvening = new Date('2026-03-04T23:30:00-05:00');
    expect(renderStorageKey('{today}', { ...values, now: lateEvening })).toBe('2026-03-05');
  });

  it('renders every field', () => {
    expect(
      renderStorageKey('{task_name}/{now}/{flow_run.id}/{flow_run.name}/{task_run.id}-{task_run.map_index}', values),
    ).toBe('download/2026-03-04T05:06:07.089Z/fr-1/brave-otter/tr-9-4');
  });

  it('renders parameters, nested ones, dates and structured values', () => {
    expect(renderStorageKey('{parameters.city}-{parameters.n}', values)).toBe('Lyon-3');
    expect(renderStorageKey('{parameters.config.region}', values)).toBe('eu');
    expect(renderStorageKey('{parameters.when}', values)).toBe('2026-02-03T00:00:00.000Z');
    expect(renderStorageKey('x-{parameters.tags}', values)).toBe('x-["a","b"]');
  });

  it('keeps literal braces written doubled', () => {
    expect(renderStorageKey('{{raw}}-{task_name}', values)).toBe('{raw}-download');
  });

  it('refuses a parameter with no value at render time, naming it', () => {
    expect(() => renderStorageKey('{parameters.missing}', values)).toThrow(UsageError);
    expect(() => renderStorageKey('{parameters.missing}', values)).toThrow(/\{parameters\.missing\}.*'download'.*'missing'/);
    expect(() => renderStorageKey('{parameters.u}', { ...values, parameters: { u: undefined } })).toThrow(UsageError);
  });

  it('refuses flow_run fields for a task outside a flow', () => {
    const { flowRun: _dropped, ...outside } = values;
    expect(() => renderStorageKey('{flow_run.name}', outside)).toThrow(/outside a flow/);
    expect(renderStorageKey('{task_name}', outside)).toBe('download');
  });

  it('refuses a rendered key that would escape the storage', () => {
    expect(() => renderStorageKey('{parameters.p}/x', { ...values, parameters: { p: '..' } })).toThrow(/not a valid storage key/);
  });
});
