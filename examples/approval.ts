/**
 * Pause for a person's approval with typed input: a weekly report is built, then the flow pauses
 * until someone approves it (and says where to publish) or rejects it with a reason.
 *
 *   ./bin/weft.js run examples/approval.ts &
 *   ./bin/weft.js runs resume <ID> --input '{"approved": true, "channel": "#exec"}'
 *   ./bin/weft.js runs resume <ID> --reject "numbers look wrong"
 *
 * Run as a module (`tsx examples/approval.ts`), it approves itself: an observer sees the run
 * become PAUSED and resumes it, as a bot in a chat would.
 */
import { flow, isMain, observeRuns, pause, PauseRejectedError, resumeFlowRun, task } from 'weft';
import { z } from 'zod';

const buildReport = task({ name: 'build-report', persistResult: true }, (week: string) => ({ week, revenue: 1234, orders: 56 }));

export const weeklyReport = flow({ name: 'weekly-report', parameters: z.object({ week: z.string().default('2026-W48') }) }, async ({ week }) => {
  const report = await buildReport(week);
  try {
    const { approved, channel } = await pause({
      input: z.object({ approved: z.boolean(), channel: z.string().default('#reports') }),
      description: `Publish the report of ${week} (revenue ${report.revenue})?`,
      timeoutSeconds: 3_600,
    });
    return approved ? `published ${week} to ${channel}` : `kept ${week} unpublished`;
  } catch (error) {
    if (error instanceof PauseRejectedError) return `rejected: ${error.reason}`;
    throw error;
  }
});

if (isMain(import.meta)) {
  const stop = observeRuns({
    flowRunState(run, state) {
      if (state.type === 'PAUSED') void resumeFlowRun(run.id, { input: { approved: true } });
    },
  });
  console.log(await weeklyReport({})); // published 2026-W48 to #reports
  stop();
}
