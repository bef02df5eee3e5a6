/**
 * The daily-download pattern: an expensive download is computed once a day, not on every run.
 * The download's result is stored under `download-<today>`; any run later that day finds it there
 * and the task ends `Cached` without downloading again. (Here the "download" reads a local file,
 * so the example runs offline.)
 *
 *   ./bin/weft.js run examples/daily-download.ts     # first run of the day downloads
 *   ./bin/weft.js run examples/daily-download.ts     # later runs: download Cached
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { flow, getRunLogger, isMain, task } from 'weft';

interface DailyCount {
  readonly date: string;
  readonly region: string;
  readonly cases: number;
}

const source = fileURLToPath(new URL('./data/covid-daily.json', import.meta.url));

export const download = task({ name: 'download', resultStorageKey: '{task_name}-{today}', retries: 2, retryDelaySeconds: 5 }, async (): Promise<DailyCount[]> => {
  getRunLogger().info('downloading %s', source);
  return JSON.parse(await readFile(source, 'utf8')) as DailyCount[];
});

export const casesByRegion = task({ name: 'cases-by-region' }, (rows: DailyCount[]) => {
  const totals: Record<string, number> = {};
  for (const row of rows) if (row.cases >= 0) totals[row.region] = (totals[row.region] ?? 0) + row.cases;
  return totals;
});

export const dailyDownload = flow({ name: 'daily-download' }, async () => casesByRegion(download()));

if (isMain(import.meta)) console.log(await dailyDownload());
