import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import type { ReactElement } from 'react';
import { api } from '../api/client.js';
import type { Automation } from '../api/automation-types.js';
import { Empty, ErrorMessage } from '../components/messages.js';
import { actionsSummary, triggerSummary } from '../lib/automation-summary.js';
import { useTitle } from '../lib/use-title.js';

/** Automations: what triggers each and what it does, an on/off switch, delete (confirmed). */
export function AutomationsPage(): ReactElement {
  useTitle('Automations');
  const client = useQueryClient();
  const automations = useQuery({ queryKey: ['automations'], queryFn: () => api<Automation[]>('/v1/automations') });
  const [confirming, setConfirming] = useState<Automation | undefined>();
  const [outcome, setOutcome] = useState('');
  const act = useMutation({
    mutationFn: async ({ action, automation }: { action: 'enable' | 'disable' | 'delete'; automation: Automation }) => {
      const path = `/v1/automations/${encodeURIComponent(automation.id)}`;
      if (action === 'delete') await api(path, { method: 'DELETE' });
      else await api(`${path}/${action}`, { method: 'POST' });
      return `${action === 'delete' ? 'Deleted' : action === 'enable' ? 'Enabled' : 'Disabled'} ${automation.name}.`;
    },
    onSuccess: (message) => {
      setOutcome(message);
      setConfirming(undefined);
    },
    onError: (error) => setOutcome(error instanceof Error ? error.message : String(error)),
    onSettled: () => void client.invalidateQueries({ queryKey: ['automations'] }),
  });
  return (
    <section>
      <h1>Automations</h1>
      <div className="toolbar">
        <Link to="/automations/new" className="button-link">New automation</Link>
        {outcome === '' ? null : <span role="status">{outcome}</span>}
      </div>
      {confirming === undefined ? null : (
        <div className="confirm" role="dialog" aria-modal="false" aria-labelledby="confirm-automation">
          <p id="confirm-automation">Delete automation {confirming.name} and its firings?</p>
          <button type="button" className="danger" disabled={act.isPending} onClick={() => act.mutate({ action: 'delete', automation: confirming })}>Yes, delete</button>
          <button type="button" onClick={() => setConfirming(undefined)}>No</button>
        </div>
      )}
      {automations.error ? <ErrorMessage error={automations.error} /> : null}
      {automations.data?.length === 0 ? (
        <Empty>
          No automations yet. Create one from a template with <Link to="/automations/new">New automation</Link>, or with <code>./bin/weft.js notify add --on Failed --slack URL</code>.
        </Empty>
      ) : null}
      {automations.data && automations.data.length > 0 ? (
        <div className="scroll-x" tabIndex={0} role="region" aria-label="Automations">
          <table className="automations">
            <thead>
              <tr>
                <th scope="col">Automation</th>
                <th scope="col">Trigger</th>
                <th scope="col">Actions</th>
                <th scope="col">Enabled</th>
                <th scope="col"><span className="sr-only">Delete</span></th>
              </tr>
            </thead>
            <tbody>
              {automations.data.map((a) => (
                <tr key={a.id} className="automation">
                  <td>
                    <Link to="/automations/$id" params={{ id: a.id }}>{a.name}</Link>
                    {a.description === '' ? null : <div className="muted">{a.description}</div>}
                  </td>
                  <td><code className="wrap">{triggerSummary(a.trigger)}</code></td>
                  <td>{actionsSummary(a.actions)}</td>
                  <td>
                    <label className="switch">
                      <input type="checkbox" role="switch" checked={a.enabled} disabled={act.isPending} onChange={() => act.mutate({ action: a.enabled ? 'disable' : 'enable', automation: a })} aria-label={`${a.name} enabled`} />
                      {a.enabled ? 'on' : 'off'}
                    </label>
                  </td>
                  <td className="actions">
                    <button type="button" className="danger" onClick={() => setConfirming(a)} aria-label={`Delete ${a.name}`}>Delete</button>
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
