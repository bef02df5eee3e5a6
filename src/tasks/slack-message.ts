/**
 * `slackMessage`: posts a message to a Slack incoming webhook, retried like `httpRequest`
 * (Slack answers 429 with `Retry-After` when rate limited). The webhook URL is a secret: logs
 * name only its host.
 */
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import { getRunLogger } from '../sdk/run-logger.js';
import { taskIn } from '../sdk/task.js';
import { sendHttp } from './http-request.js';

/** A message for {@link slackMessage}. */
export interface SlackMessage {
  /** The incoming webhook URL (`https://hooks.slack.com/services/…`): keep it in a secret or setting. */
  readonly webhookUrl: string;
  /** The message (Slack mrkdwn), at most 40 000 characters. */
  readonly text: string;
  /** Block Kit blocks, sent as they are. */
  readonly blocks?: readonly unknown[];
  /** Tries again after 429, 5xx or no response. @default 3 */
  readonly retries?: number;
}

/**
 * Posts `text` (and `blocks`) to a Slack incoming webhook.
 * @throws HttpRequestError when Slack refuses it (its reason, e.g. `invalid_payload`, in the message).
 * @example
 * await slackMessage({ webhookUrl: process.env.SLACK_WEBHOOK!, text: `Loaded ${rows} rows :white_check_mark:` });
 */
export const slackMessage = taskIn(fileURLToPath(import.meta.url), { name: 'slack-message' }, async (message: SlackMessage): Promise<void> => {
  if (typeof message?.text !== 'string' || message.text.length === 0 || message.text.length > 40_000) {
    throw new UsageError(`slackMessage() needs text of 1 to 40000 characters (got ${typeof message?.text === 'string' ? `${message.text.length}` : String(message?.text)}).`);
  }
  let host = '';
  try {
    host = new URL(message.webhookUrl).host;
  } catch {
    throw new UsageError('slackMessage() needs webhookUrl: the incoming webhook URL Slack gave (https://hooks.slack.com/services/…).');
  }
  await sendHttp(
    {
      url: message.webhookUrl,
      json: { text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}) },
      describeAs: `Slack webhook at ${host}`,
      ...(message.retries === undefined ? {} : { retries: message.retries }),
    },
    'slackMessage',
    getRunLogger('weft.tasks.slack'),
  );
});
