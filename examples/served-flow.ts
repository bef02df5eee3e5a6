// A flow that runs by itself on a schedule, from one process, with no server to start:
//   ./bin/weft.js serve examples/served-flow.ts --interval 60 --param out=/tmp/report.txt
// or run this file (`npx tsx examples/served-flow.ts`), which serves it with `report.serve()`.
// Each run appends one line to `out`; Ctrl-C stops serving (running runs finish first).
import { appendFileSync } from 'node:fs';
import { flow, getRunContext, getRunLogger, isMain } from 'weft';
import { z } from 'zod';

export const report = flow(
  { name: 'served-report', parameters: z.object({ out: z.string().default('served-report.txt'), region: z.string().default('eu') }) },
  async ({ out, region }) => {
    const line = `${new Date().toISOString()} report for ${region} (run ${getRunContext().flowRun?.name ?? '?'})`;
    appendFileSync(out, `${line}\n`);
    getRunLogger().info(line);
    return line;
  },
);

if (isMain(import.meta)) {
  await report.serve({ interval: Number(process.env.REPORT_INTERVAL_SECONDS ?? 60), parameters: { out: process.env.REPORT_OUT ?? 'served-report.txt' } });
}
