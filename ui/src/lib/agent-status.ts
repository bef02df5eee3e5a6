// Whether an agent is alive, judged from its last heartbeat (agents beat every 2 s by default,
// WEFT_AGENT_HEARTBEAT_INTERVAL_MS).

/** An agent's status: `online` (beat lately), `silent` (no beat for {@link SILENT_AFTER_MS}) or `stopped` (said so). */
export type AgentStatus = 'online' | 'silent' | 'stopped';

/**
 * An agent without a heartbeat for this long shows as silent: the server's crash timeout for a
 * running flow run (WEFT_SERVER_CRASH_TIMEOUT_MS, default 30 s), so both judge silence alike.
 */
export const SILENT_AFTER_MS = 30_000;

/**
 * The status of an agent at `now` (ms).
 * @example
 * agentStatus({ heartbeatAt: new Date().toISOString(), stoppedAt: null }, Date.now()); // 'online'
 */
export function agentStatus(agent: { readonly heartbeatAt: string; readonly stoppedAt: string | null }, now: number): AgentStatus {
  if (agent.stoppedAt !== null) return 'stopped';
  return now - Date.parse(agent.heartbeatAt) > SILENT_AFTER_MS ? 'silent' : 'online';
}
