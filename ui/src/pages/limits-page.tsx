import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import type { FormEvent, ReactElement } from 'react';
import { limitNameProblem, limitValuesProblem } from '../../../src/store/limits.js';
import { api } from '../api/client.js';
import type { Limit } from '../api/operations-types.js';
import { Empty, ErrorMessage } from '../components/messages.js';
import { formatTime } from '../lib/format.js';
import { useLiveInvalidation } from '../lib/use-live.js';
import { useTitle } from '../lib/use-title.js';

/** How often the page re-reads the limits (leases are taken and expire without events). */
const LIMIT_POLL_MS = 2_000;

/** The form that creates a limit; the same checks as the server's, before it is asked. */
function CreateLimit({ onDone }: { readonly onDone: () => void }): ReactElement {
  const [name, setName] = useState('');
  const [slots, setSlots] = useState('');
  const [decay, setDecay] = useState('');
  const [problem, setProblem] = useState('');
  const create = useMutation({
    mutationFn: (body: { name: string; limit: number; slotDecayPerSecond: number | null }) => api<Limit>('/v1/limits', { method: 'POST', body: JSON.stringify(body) }),
    onSuccess: () => {
      setName('');
      setSlots('');
      setDecay('');
      setProblem('');
      onDone();
    },
    onError: (error) => setProblem(error instanceof Error ? error.message : String(error)),
  });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const limit = slots.trim() === '' ? Number.NaN : Number(slots);
    const slotDecayPerSecond = decay.trim() === '' ? null : Number(decay);
    const found = limitNameProblem(name.trim()) ?? limitValuesProblem({ limit, slotDecayPerSecond });
    setProblem(found === undefined ? '' : `Not created: ${found}.`);
    if (found === undefined) create.mutate({ name: name.trim(), limit, slotDecayPerSecond });
  };
  return (
    <form className="filters" aria-label="New limit" onSubmit={submit} noValidate>
      <label>
        Name
        <input value={name} maxLength={200} onChange={(e) => setName(e.target.value)} placeholder="db or tag:warehouse" />
      </label>
      <label>
        Slots
        <input value={slots} inputMode="numeric" maxLength={8} size={6} onChange={(e) => setSlots(e.target.value)} />
      </label>
      <label>
        Decay per second
        <input value={decay} inputMode="decimal" maxLength={12} size={6} onChange={(e) => setDecay(e.target.value)} placeholder="none" />
      </label>
      <button type="submit" disabled={create.isPending}>Create limit</button>
      {problem === '' ? null : <span className="error" role="alert">{problem}</span>}
    </form>
  );
}

/** Who holds a limit's slots: each lease's run (or task run), since when, until when. */
function Holders({ limit }: { readonly limit: Limit }): ReactElement {
  if (limit.holders.length === 0) return <span className="muted">{limit.activeSlots > 0 ? 'draining (rate limit)' : 'nobody'}</span>;
  return (
    <ul className="plain holders">
      {limit.holders.map((h) => (
        <li key={h.leaseId}>
          {h.slots} × {h.flowRunId === null ? <span>{h.label || 'a client'}</span> : <Link to="/runs/$id" params={{ id: h.flowRunId }}>{h.label || 'flow run'}</Link>}
          {h.taskRunId === null ? null : <> (<Link to="/task-runs/$id" params={{ id: h.taskRunId }}>task run</Link>)</>}
          <span className="muted"> since {formatTime(h.since)}</span>
        </li>
      ))}
    </ul>
  );
}

/** Concurrency and rate limits: slots used of total, holders, create, activate, reset, delete. */
export function LimitsPage(): ReactElement {
  useTitle('Limits');
  const client = useQueryClient();
  const limits = useQuery({ queryKey: ['limits'], queryFn: () => api<Limit[]>('/v1/limits'), refetchInterval: LIMIT_POLL_MS });
  useLiveInvalidation((e) => e.kind === 'flow-run-state', [['limits']]);
  const [confirming, setConfirming] = useState<{ action: 'reset' | 'delete'; name: string } | undefined>();
  const [outcome, setOutcome] = useState('');
  const refresh = (): void => void client.invalidateQueries({ queryKey: ['limits'] });
  const act = useMutation({
    mutationFn: async ({ action, name }: { action: 'reset' | 'delete' | 'activate' | 'deactivate'; name: string }) => {
      const path = `/v1/limits/${encodeURIComponent(name)}`;
      if (action === 'delete') await api(path, { method: 'DELETE' });
      else if (action === 'reset') return `Reset ${name}: ${(await api<{ released: number }>(`${path}/reset`, { method: 'POST' })).released} lease(s) released.`;
      else await api(path, { method: 'PATCH', body: JSON.stringify({ active: action === 'activate' }) });
      return action === 'delete' ? `Deleted ${name}.` : `${action === 'activate' ? 'Activated' : 'Deactivated'} ${name}.`;
    },
    onSuccess: (message) => {
      setOutcome(message);
      setConfirming(undefined);
    },
    onError: (error) => setOutcome(error instanceof Error ? error.message : String(error)),
    onSettled: refresh,
  });
  return (
    <section>
      <h1>Concurrency limits</h1>
      <CreateLimit onDone={refresh} />
      {outcome === '' ? null : <p role="status">{outcome}</p>}
      {confirming === undefined ? null : (
        <div className="confirm" role="dialog" aria-modal="false" aria-labelledby="confirm-limit">
          <p id="confirm-limit">
            {confirming.action === 'reset' ? `Reset ${confirming.name}? Every lease is dropped; holders that still run lose their slots.` : `Delete ${confirming.name} and its leases?`}
          </p>
          <button type="button" className="danger" disabled={act.isPending} onClick={() => act.mutate(confirming)}>Yes, {confirming.action}</button>
          <button type="button" onClick={() => setConfirming(undefined)}>No</button>
        </div>
      )}
      {limits.error ? <ErrorMessage error={limits.error} /> : null}
      {limits.data?.length === 0 ? <Empty>No limits yet. Create one above, or with <code>./bin/weft.js limits create db --limit 5</code>; a limit named <code>tag:T</code> bounds every task run tagged T.</Empty> : null}
      {limits.data && limits.data.length > 0 ? (
        <div className="scroll-x">
          <table className="limits">
            <thead>
              <tr>
                <th scope="col">Limit</th>
                <th scope="col">Kind</th>
                <th scope="col">Slots used</th>
                <th scope="col">Holders</th>
                <th scope="col">Active</th>
                <th scope="col"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {limits.data.map((limit) => (
                <tr key={limit.name} className="limit">
                  <td>{limit.name}</td>
                  <td>{limit.slotDecayPerSecond === null ? 'concurrency' : `rate (${limit.slotDecayPerSecond}/s)`}</td>
                  <td>
                    <span className="meter-cell">
                      <meter min={0} max={Math.max(1, limit.limit)} value={limit.activeSlots} aria-label={`${limit.name}: ${formatSlots(limit.activeSlots)} of ${limit.limit} slots`} />
                      {formatSlots(limit.activeSlots)} / {limit.limit}
                    </span>
                  </td>
                  <td><Holders limit={limit} /></td>
                  <td>
                    <label className="switch">
                      <input type="checkbox" role="switch" checked={limit.active} disabled={act.isPending} onChange={() => act.mutate({ action: limit.active ? 'deactivate' : 'activate', name: limit.name })} aria-label={`${limit.name} active`} />
                      {limit.active ? 'on' : 'off'}
                    </label>
                  </td>
                  <td className="actions">
                    <button type="button" onClick={() => setConfirming({ action: 'reset', name: limit.name })} aria-label={`Reset ${limit.name}`}>Reset</button>
                    <button type="button" className="danger" onClick={() => setConfirming({ action: 'delete', name: limit.name })} aria-label={`Delete ${limit.name}`}>Delete</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

/** Slots taken, to one decimal place (a rate limit's bucket drains continuously). */
function formatSlots(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
