/**
 * Runs one action of a firing (issue 17): a notification (Slack, webhook, email) through
 * `automations/notifications.ts`, or a change to the triggering run, a deployment, a pool or an
 * automation through the orchestrator and the store. Throws with the reason when it fails; the
 * service records it and retries.
 */
import { createHash } from 'node:crypto';
import { AutomationValidationError, UsageError } from '../../errors.js';
import type { AutomationAction, SecretValue } from '../../automations/automation-spec.js';
import { sendEmail, sendHttp, sendSlack } from '../../automations/notifications.js';
import { DEFAULT_MESSAGE, DEFAULT_SUBJECT, render } from '../../automations/templates.js';
import type { TemplateContext } from '../../automations/templates.js';
import { randomRunName } from '../../engine/run-names.js';
import type { AutomationRecord } from '../../store/automations.js';
import type { DeploymentStore } from '../../store/deployments.js';
import type { WorkPoolRecord } from '../../store/work-pools.js';
import type { Orchestrator } from '../orchestrator.js';

/** What an action may use. */
export interface ActionServices {
  readonly orchestrator: Orchestrator;
  readonly automations: AutomationRecord;
  readonly deployments: DeploymentStore | undefined;
  readonly pools: Pick<WorkPoolRecord, 'updateWorkPool'>;
  /** The value of a secret by name (at send time; never stored or shown). */
  readonly resolveSecret: (name: string) => Promise<string>;
  readonly allowPrivateUrls: boolean;
  readonly timeoutMs: number;
  readonly now: () => string;
  /** Called after an automation was enabled or disabled. */
  readonly automationsChanged: () => void;
}

/** One action to run, with what it is about. */
export interface ActionCall {
  readonly action: AutomationAction;
  readonly context: TemplateContext;
  /** Unique per firing and action: sent as the idempotency key, and the id of a deployment run it creates. */
  readonly idempotencyKey: string;
}

const value = (given: SecretValue, services: ActionServices): Promise<string> => (typeof given === 'string' ? Promise.resolve(given) : services.resolveSecret(given.secret));

function runOf(context: TemplateContext): string {
  if (context.flow_run.id === '') throw new UsageError('This firing has no triggering flow run (its event is about no flow run).');
  return context.flow_run.id;
}

/** A UUID made from `key`, so the same firing's deployment run is created once. */
function uuidFrom(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Renders the string values of `parameters` as templates. */
async function renderParameters(parameters: Readonly<Record<string, unknown>>, context: TemplateContext): Promise<Record<string, unknown>> {
  const rendered: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(parameters)) rendered[k] = typeof v === 'string' ? await render(v, context) : v;
  return rendered;
}

/**
 * Runs `call.action`.
 * @throws the reason it failed (a NotificationError, a rule's refusal …).
 */
export async function runAction(call: ActionCall, services: ActionServices): Promise<void> {
  const { action, context } = call;
  const send = { allowPrivateUrls: services.allowPrivateUrls, timeoutMs: services.timeoutMs, idempotencyKey: call.idempotencyKey };
  switch (action.type) {
    case 'slack':
      return sendSlack(await value(action.url, services), await render(action.text ?? DEFAULT_MESSAGE, context), send);
    case 'webhook': {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(action.headers)) headers[k] = await value(v, services);
      let body: unknown;
      if (action.body === undefined) body = { text: await render(DEFAULT_MESSAGE, context), flow_run: context.flow_run, flow: context.flow, deployment: context.deployment, event: context.event, flow_run_url: context.flow_run_url };
      else {
        const text = await render(action.body, context);
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          throw new AutomationValidationError('body', 'the rendered body is not JSON (insert values with the `json` filter: {{ flow_run.name | json }})');
        }
      }
      return sendHttp(action.method, await value(action.url, services), headers, body, send);
    }
    case 'email':
      return sendEmail(
        {
          smtp: action.smtp,
          ...(action.password === undefined ? {} : { password: await value(action.password, services) }),
          from: action.from,
          to: action.to,
          subject: await render(action.subject ?? DEFAULT_SUBJECT, context),
          text: await render(action.text ?? DEFAULT_MESSAGE, context),
        },
        send,
      );
    case 'cancel-flow-run':
      await services.orchestrator.cancel(runOf(context));
      return;
    case 'retry-flow-run':
      await services.orchestrator.retry(runOf(context));
      return;
    case 'change-flow-run-state': {
      const name = action.name ?? action.state.charAt(0) + action.state.slice(1).toLowerCase();
      const message = action.message === undefined ? `Set by automation ${context.automation.name}.` : await render(action.message, context);
      const timestamp = services.now();
      await services.orchestrator.setState(runOf(context), { type: action.state, name, message, timestamp }, { endTime: timestamp });
      return;
    }
    case 'run-deployment': {
      const deployments = services.deployments;
      if (deployments === undefined) throw new UsageError('This record keeps no deployments.');
      const deployment = await deployments.readDeployment(action.deployment);
      if (deployment === undefined) throw new UsageError(`There is no deployment '${action.deployment}'.`);
      const parameters = await renderParameters(action.parameters, context);
      await deployments.createDeploymentRun(deployment.id, { id: uuidFrom(call.idempotencyKey), name: randomRunName(), parameters, idempotencyKey: call.idempotencyKey }, services.now());
      return;
    }
    case 'pause-deployment':
    case 'resume-deployment': {
      const deployments = services.deployments;
      const deployment = await deployments?.readDeployment(action.deployment);
      if (deployments === undefined || deployment === undefined) throw new UsageError(`There is no deployment '${action.deployment}'.`);
      await deployments.setDeploymentPaused(deployment.id, action.type === 'pause-deployment', services.now());
      return;
    }
    case 'pause-work-pool':
    case 'resume-work-pool':
      await services.pools.updateWorkPool(action.pool, { paused: action.type === 'pause-work-pool' });
      return;
    case 'enable-automation':
    case 'disable-automation':
      await services.automations.setAutomationEnabled(action.automation, action.type === 'enable-automation', services.now());
      services.automationsChanged();
      return;
  }
}
