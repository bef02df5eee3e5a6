/**
 * Deployments: `report` is deployed once (`weft deploy examples/deployments.ts:report --name nightly
 * --param day=2026-11-01 --cron '0 2 * * *' --timezone Europe/Berlin`), then run on its schedule,
 * from the CLI (`weft deployments run daily-report/nightly --param regions=5`), the API, or from
 * another flow: `fanOut` asks for one run per day and returns at once (timeoutSeconds: 0); an agent
 * of the deployment's work pool executes them (`weft agent start --pool default`).
 */
import { flow, getRunLogger, isMain, runDeployment } from 'weft';
import { z } from 'zod';

export const report = flow(
  { name: 'daily-report', description: 'The daily report of one day', parameters: z.object({ day: z.string(), regions: z.number().int().min(1).default(3) }) },
  ({ day, regions }) => {
    getRunLogger().info(`Reporting ${day} over ${regions} regions`);
    return `${day}: ${regions} regions`;
  },
);

export const fanOut = flow({ name: 'fan-out', parameters: z.object({ days: z.array(z.string()).max(31).default(['2026-11-01', '2026-11-02']) }) }, async ({ days }) => {
  const runs = await Promise.all(days.map((day) => runDeployment('daily-report/nightly', { day }, { timeoutSeconds: 0 })));
  return runs.map((run) => `${run.name}: ${run.state.name} ${JSON.stringify(run.parameters)}`);
});

if (isMain(import.meta)) console.log(await fanOut());
