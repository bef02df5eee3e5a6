/**
 * Notifications from a flow's own state hooks (issue 17), Prefect's CloudHooks:
 * `flow({ onFailure: [notify.slack(url)], onCrashed: [notify.slack(url)] })`. They send with the
 * automations' code (the same default message with the flow, the run, its state, its error and the
 * run's link, the same Liquid templates, URL checks, timeout and `Idempotency-Key`), from the flow's
 * own process, without a server. A notification that cannot be delivered after its retries is
 * logged by the run (as every failing hook is); it never changes the run's state.
 *
 * For notifications that must arrive even when the flow's process dies (Crashed), or for many
 * flows at once, use an automation on the server (`weft notify add`).
 */
import { sendHttp, sendSlack, type SendOptions } from '../automations/notifications.js';
import { checkTemplate, DEFAULT_MESSAGE, render, type TemplateContext } from '../automations/templates.js';
import { getClient } from '../engine/client.js';
import { UsageError } from '../errors.js';
import type { FlowRunInfo } from '../run-info.js';
import { errorMessage, type State } from '../states.js';

/** How a hook notification is sent. */
export interface NotifyOptions {
  /** The message, a Liquid template over the automations' variables (see the README). @default the automations' default message */
  readonly text?: string;
  /** Allow private, loopback and link-local addresses. @default WEFT_NOTIFICATIONS_ALLOW_PRIVATE_URLS */
  readonly allowPrivateUrls?: boolean;
  /** Longest one attempt may take, in ms. @default 10_000 */
  readonly timeoutMs?: number;
}

/** A flow state hook, as `onFailure`, `onCompletion`, `onCrashed`, `onCancellation`, `onRunning` take it. */
export type NotifyHook = (flow: { readonly name: string }, run: FlowRunInfo, state: State) => Promise<void>;

/** Waits between attempts (three attempts in all). */
const RETRY_DELAYS_MS = [500, 2_000];

function checked(options: NotifyOptions): string {
  const text = options.text ?? DEFAULT_MESSAGE;
  const problem = checkTemplate(text);
  if (problem !== undefined) throw new UsageError(`notify: the text template does not work: ${problem}. See the README's template variables.`);
  return text;
}

async function contextOf(flow: { readonly name: string }, run: FlowRunInfo, state: State): Promise<{ context: TemplateContext; send: SendOptions & { readonly allowPrivateUrls: boolean } }> {
  const { settings } = await getClient();
  const base = (settings.notifications.uiUrl || (settings.api.url ? new URL(settings.api.url).origin : '')).replace(/\/+$/, '');
  const context: TemplateContext = {
    flow_run: {
      id: run.id,
      name: run.name,
      state: state.type,
      state_name: state.name,
      message: state.message ?? '',
      error: state.error === undefined ? '' : errorMessage(state.error),
      parameters: run.parameters,
      tags: [],
      start: '',
      duration: '',
      resume_url: '', // signed by a server only: an automation's notification carries it
    },
    flow: { name: flow.name },
    deployment: { id: '', name: '' },
    event: { event: `weft.flow-run.${state.name}`, occurred: state.timestamp, resource: { 'weft.resource.id': `weft.flow-run.${run.id}` }, payload: {} },
    automation: { id: '', name: '' },
    flow_run_url: base === '' ? `weft runs show ${run.id}` : `${base}/runs/${run.id}`,
  };
  return { context, send: { allowPrivateUrls: settings.notifications.allowPrivateUrls, idempotencyKey: `${run.id}:${state.type}:${state.timestamp}` } };
}

async function withRetries(work: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await work();
      return;
    } catch (error) {
      const wait = RETRY_DELAYS_MS[attempt];
      if (wait === undefined) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** Hooks that notify. */
export const notify = {
  /**
   * Posts the message to a Slack incoming webhook.
   * @throws UsageError at once (when the flow is defined) for a template that does not parse or names an unknown variable.
   * @example
   * const nightly = flow({ name: 'nightly', onFailure: [notify.slack(process.env.SLACK_URL ?? '')] }, async () => { … });
   */
  slack(url: string, options: NotifyOptions = {}): NotifyHook {
    const text = checked(options);
    return async function slackNotification(flow, run, state) {
      const { context, send } = await contextOf(flow, run, state);
      const message = await render(text, context);
      await withRetries(() => sendSlack(url, message, { ...send, ...options }));
    };
  },
  /**
   * POSTs `{ text, flowRun: { id, name, state }, flow, url }` as JSON to a webhook.
   * @throws UsageError at once for a template that does not work.
   * @example
   * flow({ name: 'etl', onFailure: [notify.webhook('https://ops.example.com/hooks/weft')] }, async () => { … });
   */
  webhook(url: string, options: NotifyOptions & { readonly headers?: Readonly<Record<string, string>> } = {}): NotifyHook {
    const text = checked(options);
    return async function webhookNotification(flow, run, state) {
      const { context, send } = await contextOf(flow, run, state);
      const body = { text: await render(text, context), flowRun: { id: run.id, name: run.name, state: state.name }, flow: flow.name, url: context.flow_run_url };
      await withRetries(() => sendHttp('POST', url, options.headers ?? {}, body, { ...send, ...options }));
    };
  },
};
