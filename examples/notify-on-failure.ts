/**
 * Notify on failure: a nightly import whose failure posts one Slack message, from the flow's own
 * process and without a server, with the flow, the run, its state, the error and the run's link
 * (the default message). The Slack incoming-webhook URL comes from SLACK_WEBHOOK_URL; without it
 * the flow runs and says that nobody is told.
 *
 *   SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T/B/X ./bin/weft.js run examples/notify-on-failure.ts --param broken=true
 *
 * A process that is killed cannot report its own crash: for Crashed runs, let a server watch
 * (`weft notify add --on Failed,Crashed --slack URL --flow nightly-import`).
 */
import { flow, getRunLogger, isMain, notify, task } from 'weft';
import { z } from 'zod';

const slackUrl = process.env.SLACK_WEBHOOK_URL ?? '';

export const loadOrders = task({ name: 'load-orders' }, (broken: boolean): number => {
  if (broken) throw new Error('orders.csv line 42: amount "12,5O" is not a number');
  return 1200;
});

export const nightlyImport = flow(
  {
    name: 'nightly-import',
    tags: ['prod'],
    parameters: z.object({ broken: z.boolean().default(false) }),
    onFailure: slackUrl === '' ? [] : [notify.slack(slackUrl)],
  },
  async ({ broken }) => {
    if (slackUrl === '') getRunLogger().warning('SLACK_WEBHOOK_URL is not set: a failure of this run notifies nobody.');
    const rows = await loadOrders(broken);
    return `imported ${rows} orders`;
  },
);

if (isMain(import.meta)) console.log(await nightlyImport({ broken: process.argv.includes('--broken') }));
