/**
 * What a firing's templates render against (see `templates.ts`), built from the event it is about
 * and the record of that event's flow run and deployment.
 */
import type { DeploymentDetail } from '../store/deployments.js';
import type { WeftEvent } from '../store/events.js';
import type { FlowRunRecord } from '../store/records.js';
import type { TemplateContext } from './templates.js';

/** The flow run an event is about or relates to, if any. */
export function eventFlowRunId(event: WeftEvent): string | undefined {
  const prefix = 'weft.flow-run.';
  const own = event.resource['weft.resource.id'] ?? '';
  if (own.startsWith(prefix)) return own.slice(prefix.length);
  const related = event.related.find((r) => r['weft.resource.role'] === 'flow-run')?.['weft.resource.id'];
  return related?.startsWith(prefix) === true ? related.slice(prefix.length) : undefined;
}

function duration(run: FlowRunRecord): string {
  if (run.startTime === null) return '';
  const end = run.endTime === null ? Date.now() : Date.parse(run.endTime);
  const seconds = Math.max(0, (end - Date.parse(run.startTime)) / 1000);
  return seconds < 60 ? `${seconds.toFixed(1)} s` : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/**
 * The template context of a firing.
 * @example
 * const context = firingContext(event, run, deployment, 'http://weft.example.com', automation);
 * @param resumeUrl the page of a signed link to the run's waiting pause ('' when it waits on none)
 */
export function firingContext(
  event: WeftEvent,
  run: FlowRunRecord | undefined,
  deployment: DeploymentDetail | undefined,
  uiUrl: string,
  automation: { readonly id: string; readonly name: string },
  resumeUrl = '',
): TemplateContext {
  const base = uiUrl.replace(/\/+$/, '');
  const error = run?.state.error;
  return {
    flow_run: {
      id: run?.id ?? '',
      name: run?.name ?? '',
      state: run?.state.type ?? '',
      state_name: run?.state.name ?? '',
      message: run?.state.message ?? '',
      error: error === undefined ? '' : `${error.name}: ${error.message}`,
      parameters: run?.parameters ?? {},
      tags: run?.tags ?? [],
      start: run?.startTime ?? '',
      duration: run === undefined ? '' : duration(run),
      resume_url: resumeUrl,
    },
    flow: { name: run?.flowName ?? '' },
    deployment: { id: deployment?.id ?? '', name: deployment === undefined ? '' : `${deployment.flowName}/${deployment.name}` },
    event: { event: event.event, occurred: event.occurred, resource: event.resource, payload: event.payload },
    automation,
    flow_run_url: run === undefined ? '' : `${base}/runs/${run.id}`,
  };
}
