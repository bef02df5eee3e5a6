/**
 * A report flow that publishes what it found as artifacts: a table of cases by region (keyed
 * `cases-by-region`, so each run adds a version), a markdown summary (`region-report`) and a
 * progress bar while it works. A variable, `report_min_cases`, sets which regions the summary
 * calls out; without it the default (1000) applies.
 *
 *   ./bin/weft.js variables set report_min_cases 5000     # optional
 *   ./bin/weft.js run examples/region-report.ts
 *   ./bin/weft.js artifacts show region-report
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createMarkdownArtifact, createProgressArtifact, createTableArtifact, flow, getVariable, isMain, task, updateProgressArtifact } from 'weft';

interface DailyCount {
  readonly date: string;
  readonly region: string;
  readonly cases: number;
  readonly deaths: number;
}

interface RegionTotal {
  readonly region: string;
  readonly cases: number;
  readonly deaths: number;
  /** Deaths per 100 cases; NaN when there were no cases (stored as an empty cell). */
  readonly fatality: number;
}

const source = fileURLToPath(new URL('./data/covid-daily.json', import.meta.url));

export const load = task({ name: 'load' }, async (): Promise<DailyCount[]> => JSON.parse(await readFile(source, 'utf8')) as DailyCount[]);

export const totals = task({ name: 'totals' }, async (rows: DailyCount[]): Promise<RegionTotal[]> => {
  const regions = [...new Set(rows.map((r) => r.region))].sort();
  const bar = await createProgressArtifact(0, { description: 'Regions summed' });
  const result: RegionTotal[] = [];
  for (const [i, region] of regions.entries()) {
    const valid = rows.filter((r) => r.region === region && r.cases >= 0 && r.deaths >= 0);
    const cases = valid.reduce((sum, r) => sum + r.cases, 0);
    const deaths = valid.reduce((sum, r) => sum + r.deaths, 0);
    result.push({ region, cases, deaths, fatality: Math.round((deaths / cases) * 10_000) / 100 });
    await updateProgressArtifact(bar, ((i + 1) / regions.length) * 100);
  }
  await createTableArtifact(result, { key: 'cases-by-region', description: 'Cases and deaths by region' });
  return result;
});

export const regionReport = flow({ name: 'region-report' }, async () => {
  const byRegion = await totals(load());
  const threshold = await getVariable<number>('report_min_cases', 1000);
  const high = byRegion.filter((r) => r.cases >= threshold);
  const lines = [
    '# Cases by region',
    '',
    `${byRegion.length} regions, ${byRegion.reduce((s, r) => s + r.cases, 0)} cases in all.`,
    '',
    `Regions with at least ${threshold} cases:`,
    '',
    ...high.map((r) => `- **${r.region}**: ${r.cases} cases, ${r.deaths} deaths`),
  ];
  await createMarkdownArtifact(lines.join('\n'), { key: 'region-report' });
  return { regions: byRegion.length, high: high.map((r) => r.region) };
});

if (isMain(import.meta)) console.log(await regionReport());
