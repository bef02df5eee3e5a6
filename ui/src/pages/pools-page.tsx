import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { ReactElement } from 'react';
import { api } from '../api/client.js';
import type { Agent, WorkPool } from '../api/operations-types.js';
import { Empty, ErrorMessage } from '../components/messages.js';
import { formatTime } from '../lib/format.js';
import { agentStatus } from '../lib/agent-status.js';
import { useLiveInvalidation } from '../lib/use-live.js';
import { useTitle } from '../lib/use-title.js';

/** How often the page re-reads agents (their heartbeats are not events). */
const AGENT_POLL_MS = 5_000;

/** `3 s ago`, `2 min ago`. */
function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

/** The clock of the page, ticking every second (for "seconds ago"). */
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}

/**
 * A pool's concurrency limit as a small form: a whole number, or empty for no limit. The server
 * checks it (1 to 100 000); its refusal is shown under the form.
 */
function PoolLimitForm({ pool }: { readonly pool: WorkPool }): ReactElement {
  const client = useQueryClient();
  const [text, setText] = useState(pool.concurrencyLimit === null ? '' : String(pool.concurrencyLimit));
  const save = useMutation({
    mutationFn: (limit: number | string | null) => api<WorkPool>(`/v1/work-pools/${encodeURIComponent(pool.name)}`, { method: 'PATCH', body: JSON.stringify({ concurrencyLimit: limit }) }),
    onSuccess: (saved) => setText(saved.concurrencyLimit === null ? '' : String(saved.concurrencyLimit)),
    onSettled: () => void client.invalidateQueries({ queryKey: ['work-pools'] }),
  });
  const trimmed = text.trim();
  const changed = trimmed !== (pool.concurrencyLimit === null ? '' : String(pool.concurrencyLimit));
  return (
    <form
      className="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        // Sent as typed (null when empty, a number when it reads as one, else the text): the server says what a valid limit is.
        const limit = Number(trimmed);
        save.mutate(trimmed === '' ? null : Number.isFinite(limit) ? limit : trimmed);
      }}
    >
      <input type="text" inputMode="numeric" size={6} value={text} placeholder="none" onChange={(e) => setText(e.target.value)} aria-label={`Run limit of pool ${pool.name} (empty for none)`} />
      <button type="submit" disabled={save.isPending || !changed} aria-label={`Save the run limit of pool ${pool.name}`}>Set</button>
      {save.error ? <ErrorMessage error={save.error} /> : null}
    </form>
  );
}

/** The work pools with their run counts, run limit and a pause/resume switch. */
function Pools(): ReactElement {
  const client = useQueryClient();
  const pools = useQuery({ queryKey: ['work-pools'], queryFn: () => api<WorkPool[]>('/v1/work-pools') });
  useLiveInvalidation((e) => e.kind === 'flow-run-state', [['work-pools']]);
  const pause = useMutation({
    mutationFn: (pool: WorkPool) => api<WorkPool>(`/v1/work-pools/${encodeURIComponent(pool.name)}`, { method: 'PATCH', body: JSON.stringify({ paused: !pool.paused }) }),
    onSettled: () => void client.invalidateQueries({ queryKey: ['work-pools'] }),
  });
  if (pools.error) return <ErrorMessage error={pools.error} />;
  if (pools.data === undefined) return <p className="muted">Loading…</p>;
  if (pools.data.length === 0) return <Empty>No work pools yet. Create one with <code>./bin/weft.js pools create etl</code>, or deploy a flow (it runs on the pool <code>default</code>).</Empty>;
  return (
    <div className="scroll-x">
      {pause.error ? <ErrorMessage error={pause.error} /> : null}
      <table className="pools">
        <thead>
          <tr>
            <th scope="col">Pool</th>
            <th scope="col">Status</th>
            <th scope="col">Running</th>
            <th scope="col">Queued</th>
            <th scope="col">Late</th>
            <th scope="col">Run limit</th>
            <th scope="col">Description</th>
            <th scope="col"><span className="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {pools.data.map((pool) => (
            <tr key={pool.name} className="pool">
              <td>{pool.name}</td>
              <td>{pool.paused ? <span className="pill paused">Paused</span> : <span className="pill">Ready</span>}</td>
              <td>{pool.concurrencyLimit === null ? `${pool.activeRuns} (no limit)` : <span className="meter-cell"><meter min={0} max={pool.concurrencyLimit} value={pool.activeRuns} aria-label={`${pool.name}: ${pool.activeRuns} of ${pool.concurrencyLimit} runs`} />{pool.activeRuns} / {pool.concurrencyLimit}</span>}</td>
              <td>{pool.scheduledRuns}</td>
              <td>{pool.lateRuns === 0 ? '0' : <span className="late">{pool.lateRuns}</span>}</td>
              <td><PoolLimitForm key={String(pool.concurrencyLimit)} pool={pool} /></td>
              <td>{pool.description ?? <span className="muted">—</span>}</td>
              <td>
                <button type="button" disabled={pause.isPending} onClick={() => pause.mutate(pool)} aria-label={`${pool.paused ? 'Resume' : 'Pause'} pool ${pool.name}`}>
                  {pool.paused ? 'Resume' : 'Pause'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The agents, newest first, with their last heartbeat and status. */
function Agents(): ReactElement {
  const agents = useQuery({ queryKey: ['agents'], queryFn: () => api<Agent[]>('/v1/agents'), refetchInterval: AGENT_POLL_MS });
  const now = useNow();
  if (agents.error) return <ErrorMessage error={agents.error} />;
  if (agents.data === undefined) return <p className="muted">Loading…</p>;
  if (agents.data.length === 0) return <Empty>No agent has started. Start one where the project is: <code>./bin/weft.js agent start --pool default</code>.</Empty>;
  return (
    // Focusable, so a keyboard can scroll it on a phone (it holds no links or buttons).
    <div className="scroll-x" tabIndex={0} role="region" aria-label="Agents table">
      <table className="agents">
        <thead>
          <tr>
            <th scope="col">Agent</th>
            <th scope="col">Pool</th>
            <th scope="col">Status</th>
            <th scope="col">Last heartbeat</th>
            <th scope="col">Host</th>
            <th scope="col">Run limit</th>
            <th scope="col">Started</th>
          </tr>
        </thead>
        <tbody>
          {agents.data.map((agent) => {
            const status = agentStatus(agent, now);
            return (
              <tr key={agent.id} className="agent">
                <td>{agent.name}</td>
                <td>{agent.workPool}</td>
                <td><span className={`pill agent-${status}`}>{status}</span></td>
                <td title={formatTime(agent.heartbeatAt)}>{ago(agent.heartbeatAt, now)}</td>
                <td><code>{agent.host}:{agent.pid}</code></td>
                <td>{agent.runLimit ?? '—'}</td>
                <td>{formatTime(agent.startedAt)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Work pools (runs queued, late and running against each limit, which can be set; pause/resume) and their agents. */
export function PoolsPage(): ReactElement {
  useTitle('Work pools');
  return (
    <section>
      <h1>Work pools</h1>
      <Pools />
      <h2>Agents</h2>
      <Agents />
    </section>
  );
}
