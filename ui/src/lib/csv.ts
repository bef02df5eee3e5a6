// A table artifact as CSV (RFC 4180), for its "Download CSV" link. A cell that a spreadsheet would
// run as a formula (starting with = + - @) is prefixed with ' so that opening the file runs nothing.
import type { TableData } from '../../../src/store/artifacts.js';

function field(cell: string | number | boolean | null): string {
  if (cell === null) return '';
  let text = String(cell);
  if (typeof cell === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The CSV text of a table, header first, lines ended with CRLF. */
export function toCsv(table: TableData): string {
  return [table.columns, ...table.rows].map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}
