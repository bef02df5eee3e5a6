/**
 * What agents and `serve` report, as one line for a person (the CLI prints these, or JSON lines).
 */
import type { AgentEvent } from './agent.js';
import type { ServeEvent } from './serve.js';

/** One line for a person about an agent event. */
export function describeAgentEvent(event: AgentEvent): string {
  switch (event.kind) {
    case 'started':
      return `Agent '${event.agent.name}' (${event.agent.id}) serving work pool '${event.agent.workPool}'${event.agent.runLimit === null ? '' : `, at most ${event.agent.runLimit} runs at once`}. Ctrl-C drains it.`;
    case 'run-started':
      return `Started flow run '${event.runName}' (${event.runId})${event.deployment === null ? '' : ` of deployment '${event.deployment}'`} in process ${event.pid ?? '?'}`;
    case 'run-finished':
      return `Flow run ${event.runId} finished in state ${event.state.name}${event.state.type === 'COMPLETED' || event.state.message === undefined ? '' : `: ${event.state.message}`}`;
    case 'run-not-started':
      return `Flow run ${event.runId} cannot start here: ${event.reason}`;
    case 'cancelling':
      return `Stopping the process of flow run ${event.runId} (cancelled)`;
    case 'server-unreachable':
      return `${event.reason}${event.retryInMs > 0 ? `; retrying in ${(event.retryInMs / 1000).toFixed(1)} s` : ''}`;
    case 'draining':
      return `Draining: claiming no more runs; waiting for ${event.running} running run(s) to finish (Ctrl-C again cancels them)…`;
    case 'stopped':
      return 'Agent stopped.';
  }
}

/** One line for a person about a serve event. */
export function describeServeEvent(event: ServeEvent): string {
  if (event.kind !== 'serving') return describeAgentEvent(event);
  const where = event.embedded ? `embedded server ${event.url} (web UI ${event.url}/)` : `server ${event.url}`;
  return `Serving flow '${event.deployment.flowName}' as deployment '${event.deployment.name}' on ${event.schedule}, through the ${where}. Ctrl-C stops (the deployment is paused; running runs finish).`;
}
