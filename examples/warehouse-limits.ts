/**
 * Concurrency and rate limits: a nightly load of 12 tables into a warehouse that takes at most a
 * few loads at once (task tag `warehouse`, limited by the limit `tag:warehouse` with no code
 * change), each load first asking a rate-limited metadata API (`rateLimit('metadata-api')`) and
 * holding a database connection slot (`concurrency('source-db')`) while it reads.
 *
 *   ./bin/weft.js limits create tag:warehouse --limit 3
 *   ./bin/weft.js limits create source-db --limit 2
 *   ./bin/weft.js limits create metadata-api --limit 5 --decay 50
 *   ./bin/weft.js run examples/warehouse-limits.ts
 *
 * Without the limits the flow still runs (unbounded), with a warning for each missing name.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { concurrency, flow, getRunLogger, isMain, rateLimit, task } from 'weft';

let loading = 0;
let mostLoading = 0;
let reading = 0;
let mostReading = 0;

export const loadTable = task({ name: 'load-table', tags: ['warehouse'] }, async (table: string) => {
  mostLoading = Math.max(mostLoading, ++loading);
  try {
    await rateLimit('metadata-api');
    const rows = await concurrency('source-db', {}, async () => {
      mostReading = Math.max(mostReading, ++reading);
      await sleep(10); // reading the source table
      reading--;
      return table.length * 100;
    });
    await sleep(10); // writing into the warehouse
    return rows;
  } finally {
    loading--;
  }
});

export const nightlyLoad = flow({ name: 'nightly-load' }, async () => {
  const tables = Array.from({ length: 12 }, (_, i) => `table_${i}`);
  const rows = await loadTable.map(tables).result();
  getRunLogger().info(`Loaded ${rows.length} tables; at most ${mostLoading} loads and ${mostReading} reads at once`);
  return { tables: rows.length, rows: rows.reduce((a, b) => a + b, 0), mostLoading, mostReading };
});

if (isMain(import.meta)) console.log(await nightlyLoad({}));
