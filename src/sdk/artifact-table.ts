/**
 * How `createTableArtifact()` reads a table: rows (an array of objects, or of arrays) or columns
 * (an object of arrays), into column names and rows of JSON cells. NaN and infinities become
 * null (JSON has neither), dates their ISO text, other objects their JSON text.
 */
import { ArtifactValidationError } from '../errors.js';
import type { TableCell, TableData } from '../store/artifacts.js';

/** A table as `createTableArtifact()` takes it: rows (objects of any type, or arrays of cells) or columns. */
export type TableInput = readonly object[] | readonly (readonly unknown[])[] | Readonly<Record<string, readonly unknown[]>>;

/** One value as a table cell. */
export function tableCell(value: unknown): TableCell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value !== 'object') return typeof value === 'symbol' ? value.toString() : null; // functions have no cell
  try {
    return JSON.stringify(value);
  } catch {
    return Object.prototype.toString.call(value); // e.g. a cyclic object
  }
}

const invalid = (problem: string): ArtifactValidationError => new ArtifactValidationError(`Invalid table artifact: ${problem}.`);

function fromRows(rows: readonly unknown[], columnNames?: readonly string[]): TableData {
  if (rows.length > 0 && rows.every(Array.isArray)) {
    const arrays = rows as readonly (readonly unknown[])[];
    const width = Math.max(...arrays.map((r) => r.length));
    const columns = columnNames ?? Array.from({ length: width }, (_, i) => String(i));
    if (columns.length !== width) throw invalid(`${columns.length} column names were given for rows of ${width} cells`);
    return { columns, rows: arrays.map((r) => columns.map((_, i) => tableCell(r[i]))) };
  }
  if (!rows.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) throw invalid('rows must all be objects (one key per column) or all arrays of cells');
  const records = rows as readonly Readonly<Record<string, unknown>>[];
  // Without names, the columns are every key met, in the order first met.
  const columns = columnNames ?? [...new Set(records.flatMap((record) => Object.keys(record)))];
  return { columns, rows: records.map((record) => columns.map((c) => tableCell(record[c]))) };
}

function fromColumns(table: Readonly<Record<string, unknown>>): TableData {
  const columns = Object.keys(table);
  const lists = columns.map((c) => table[c]);
  if (!lists.every(Array.isArray)) throw invalid('columns must map each column name to an array of its cells, e.g. { city: ["Oslo"], temp: [3] }');
  const arrays = lists as readonly unknown[][];
  const length = arrays[0]?.length ?? 0;
  const uneven = columns.find((_, i) => (arrays[i] as unknown[]).length !== length);
  if (uneven !== undefined) throw invalid(`column '${uneven}' has ${(arrays[columns.indexOf(uneven)] as unknown[]).length} cells, but '${columns[0] ?? ''}' has ${length}: every column needs one cell per row`);
  return { columns, rows: Array.from({ length }, (_, i) => arrays.map((a) => tableCell(a[i]))) };
}

/**
 * Column names and rows of cells from rows or columns.
 * @throws ArtifactValidationError when `table` is neither, or columns differ in length.
 * @example
 * toTableData([{ city: 'Oslo', temp: 3 }]) // { columns: ['city', 'temp'], rows: [['Oslo', 3]] }
 * toTableData({ city: ['Oslo'], temp: [NaN] }) // { columns: ['city', 'temp'], rows: [['Oslo', null]] }
 */
export function toTableData(table: TableInput, columnNames?: readonly string[]): TableData {
  if (Array.isArray(table)) return fromRows(table as readonly unknown[], columnNames);
  if (typeof table === 'object' && table !== null) return fromColumns(table as Readonly<Record<string, unknown>>);
  throw invalid(`a table is an array of rows or an object of columns (got ${table === null ? 'null' : typeof table})`);
}
