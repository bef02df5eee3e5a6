/**
 * ETL in the shape of Prefect's COVID example: extract daily case counts from a JSON file,
 * drop invalid rows, aggregate cases and deaths by month and region, load the result as CSV.
 *
 *   ./bin/weft.js run examples/covid-etl.ts --param output=out/covid-monthly.csv
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { flow, getRunLogger, isMain, task } from 'weft';

/** One day of one region, as the source publishes it. */
export interface DailyCount {
  readonly date: string;
  readonly region: string;
  readonly cases: number;
  readonly deaths: number;
}

/** Cases and deaths of one region in one month. */
export interface MonthlyTotal {
  readonly month: string;
  readonly region: string;
  readonly cases: number;
  readonly deaths: number;
}

const here = dirname(fileURLToPath(import.meta.url));

export const extract = task({ name: 'extract', retries: 2, retryDelaySeconds: 1 }, async (path: string): Promise<DailyCount[]> => {
  const rows = JSON.parse(await readFile(path, 'utf8')) as DailyCount[];
  getRunLogger().info('read %d rows from %s', rows.length, path);
  return rows;
});

const isRealDate = (iso: string): boolean => !Number.isNaN(Date.parse(iso)) && new Date(iso).toISOString().startsWith(iso);

export const clean = task({ name: 'clean' }, (rows: DailyCount[], regions: string[]): DailyCount[] => {
  const kept = rows.filter((r) => isRealDate(r.date) && r.cases >= 0 && r.deaths >= 0 && (regions.length === 0 || regions.includes(r.region)));
  getRunLogger().info('kept %d of %d rows', kept.length, rows.length);
  return kept;
});

export const aggregateByMonth = task({ name: 'aggregate-by-month' }, (rows: DailyCount[]): MonthlyTotal[] => {
  const totals = new Map<string, MonthlyTotal>();
  for (const r of rows) {
    const key = `${r.date.slice(0, 7)}|${r.region}`;
    const t = totals.get(key) ?? { month: r.date.slice(0, 7), region: r.region, cases: 0, deaths: 0 };
    totals.set(key, { ...t, cases: t.cases + r.cases, deaths: t.deaths + r.deaths });
  }
  return [...totals.values()].sort((a, b) => a.month.localeCompare(b.month) || a.region.localeCompare(b.region));
});

export const loadCsv = task({ name: 'load-csv' }, async (totals: MonthlyTotal[], output: string): Promise<string> => {
  const lines = ['month,region,cases,deaths', ...totals.map((t) => `${t.month},${t.region},${t.cases},${t.deaths}`)];
  const path = resolve(output);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
});

export const covidEtl = flow(
  {
    name: 'covid-etl',
    description: 'Monthly case and death totals per region, as CSV.',
    parameters: z.object({
      input: z.string().default(resolve(here, 'data/covid-daily.json')),
      output: z.string().default('out/covid-monthly.csv'),
      regions: z.array(z.string()).default([]),
    }),
  },
  async ({ input, output, regions }) => {
    const rows = await extract(input);
    const monthly = aggregateByMonth(clean.submit(rows, regions));
    const path = await loadCsv(monthly, output);
    return { path, months: new Set((await monthly).map((m) => m.month)).size };
  },
);

if (isMain(import.meta)) console.log(await covidEtl());
