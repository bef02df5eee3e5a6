import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from '@tanstack/react-router';
import { useState } from 'react';
import type { ReactElement } from 'react';
import { ApiError, api } from '../api/client.js';
import type { AutomationDetail, Firing } from '../api/automation-types.js';
import { Empty, ErrorMessage } from '../components/messages.js';
import { actionsSummary, triggerSummary } from '../lib/automation-summary.js';
import { resourcePage } from '../lib/events-search.js';
import { formatTime } from '../lib/format.js';
import { useTitle } from '../lib/use-title.js';

/** How often the page reads the firings again (they are made by the server's automations service), in ms. */
const FIRINGS_POLL_MS = 3_000;

const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** What a firing was about: its event, and the resource (a flow run, with a link) the event is about. */
function FiringSubject({ firing }: { readonly firing: Firing }): ReactElement {
  const event = record(firing.context['event']);
  const resource = record(event['resource']);
  const id = text(resource['weft.resource.id']);
  const page = resourcePage(id);
  const name = text(resource['weft.resource.name']) || id;
  return (
    <>
      <code>{text(event['event']) || '—'}</code>
      {id === '' ? null : <div>{page === undefined ? <code className="wrap">{name}</code> : <Link to={page.to} params={{ id: page.id }} title={id}>{name}</Link>}</div>}
    </>
  );
}

/** The last firings: when, about what, and each action's status, attempts and error. */
function Firings({ firings }: { readonly firings: readonly Firing[] }): ReactElement {
  if (firings.length === 0) return <Empty>Not fired yet. It fires when its trigger is met; each firing and its actions&apos; outcomes are listed here.</Empty>;
  return (
    <div className="scroll-x" tabIndex={0} role="region" aria-label="Last firings">
      <table className="firings">
        <thead>
          <tr>
            <th scope="col">Fired</th>
            <th scope="col">Status</th>
            <th scope="col">About</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {firings.map((f) => (
            <tr key={f.id} className="firing">
              <td className="nowrap">{formatTime(f.firedAt)}</td>
              <td>
                <span className={`pill ${f.status}`}>{f.status}</span>
                {f.nextAttemptAt === null ? null : <div className="muted nowrap">next try {formatTime(f.nextAttemptAt)}</div>}
              </td>
              <td><FiringSubject firing={f} /></td>
              <td>
                <ul className="plain">
                  {f.actions.map((a, i) => (
                    <li key={i} className="firing-action">
                      {a.type} <span className={`pill ${a.status}`}>{a.status}</span>{' '}
                      <span className="muted">
                        {a.attempts} attempt{a.attempts === 1 ? '' : 's'}
                        {a.at === null ? '' : `, ${formatTime(a.at)}`}
                      </span>
                      {a.error === null ? null : <div className="field-error wrap">{a.error}</div>}
                    </li>
                  ))}
                </ul>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One automation: its definition (secrets masked by the server), on/off, delete, and its last firings. */
export function AutomationPage(): ReactElement {
  const { id } = useParams({ from: '/automations/$id' });
  const client = useQueryClient();
  const navigate = useNavigate();
  const key = ['automation', id];
  const automation = useQuery({
    queryKey: key,
    queryFn: () => api<AutomationDetail>(`/v1/automations/${encodeURIComponent(id)}`),
    refetchInterval: FIRINGS_POLL_MS,
    retry: (n, e) => !(e instanceof ApiError) && n < 50,
  });
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [refusal, setRefusal] = useState('');
  useTitle(automation.data?.name ?? 'Automation');
  const toggle = useMutation({
    mutationFn: (a: AutomationDetail) => api(`/v1/automations/${encodeURIComponent(a.id)}/${a.enabled ? 'disable' : 'enable'}`, { method: 'POST' }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: key });
      void client.invalidateQueries({ queryKey: ['automations'] });
    },
    onError: (error) => setRefusal(error instanceof Error ? error.message : String(error)),
  });
  const remove = useMutation({
    mutationFn: (a: AutomationDetail) => api(`/v1/automations/${encodeURIComponent(a.id)}`, { method: 'DELETE' }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['automations'] });
      void navigate({ to: '/automations' });
    },
    onError: (error) => setRefusal(error instanceof Error ? error.message : String(error)),
  });

  if (automation.error instanceof ApiError && automation.error.status === 404) {
    return (
      <section>
        <h1>Automation not found</h1>
        <p role="alert">There is no automation <code>{id}</code>. It may have been deleted. See the <Link to="/automations">automations</Link>.</p>
      </section>
    );
  }
  if (automation.error) return <ErrorMessage error={automation.error} />;
  const a = automation.data;
  if (a === undefined) return <p className="muted">Loading…</p>;
  return (
    <section>
      <p className="crumbs">
        <Link to="/automations">Automations</Link>
      </p>
      <h1>
        {a.name} {a.enabled ? <span className="pill">Enabled</span> : <span className="pill paused">Disabled</span>}
      </h1>
      {a.description === '' ? null : <p className="muted">{a.description}</p>}
      <div className="toolbar">
        <label className="switch">
          <input type="checkbox" role="switch" checked={a.enabled} disabled={toggle.isPending} onChange={() => toggle.mutate(a)} aria-label={`${a.name} enabled`} />
          {a.enabled ? 'on' : 'off'}
        </label>
        <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>Delete</button>
        {refusal === '' ? null : <span className="error" role="alert">{refusal}</span>}
      </div>
      {confirmDelete ? (
        <div className="confirm" role="dialog" aria-modal="false" aria-labelledby="confirm-delete">
          <p id="confirm-delete">Delete automation {a.name} and its firings?</p>
          <button type="button" className="danger" disabled={remove.isPending} onClick={() => remove.mutate(a)}>Yes, delete</button>
          <button type="button" onClick={() => setConfirmDelete(false)}>No</button>
        </div>
      ) : null}
      <dl className="facts">
        <dt>Trigger</dt><dd><code className="wrap">{triggerSummary(a.trigger)}</code></dd>
        <dt>Actions</dt><dd>{actionsSummary(a.actions)}</dd>
        <dt>Id</dt><dd><code>{a.id}</code></dd>
        <dt>Created</dt><dd>{formatTime(a.createdAt)}</dd>
        <dt>Updated</dt><dd>{formatTime(a.updatedAt)}</dd>
      </dl>
      <h2>Last firings</h2>
      <Firings firings={a.firings} />
      <h2>Definition</h2>
      <p className="muted">Secret values are masked: inline URLs show their scheme and host only, header values and passwords <code>***</code>.</p>
      <pre className="json" tabIndex={0} role="region" aria-label="Definition">{JSON.stringify({ trigger: a.trigger, actions: a.actions }, null, 2)}</pre>
    </section>
  );
}
