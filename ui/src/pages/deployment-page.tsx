import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from '@tanstack/react-router';
import { useState } from 'react';
import type { ReactElement } from 'react';
import { ApiError, api } from '../api/client.js';
import type { DeploymentDetail, ScheduleView } from '../api/operations-types.js';
import type { FlowRun } from '../api/types.js';
import { Empty, ErrorMessage } from '../components/messages.js';
import { StateBadge } from '../components/state-badge.js';
import { formatDuration, formatTime, runDuration } from '../lib/format.js';
import { parameterFields } from '../lib/parameter-form.js';
import { useLiveInvalidation } from '../lib/use-live.js';
import { useTitle } from '../lib/use-title.js';
import { DeploymentRunForm } from './deployment-run-form.js';
import { ScheduleForm } from './schedule-form.js';

/** Runs the detail page lists. */
const RECENT_RUNS = 20;

/** The schedules with their descriptions, next times and on/off switches; each can be edited, and one added. */
function Schedules({ deployment }: { readonly deployment: DeploymentDetail }): ReactElement {
  const client = useQueryClient();
  const key = ['deployment-schedules', deployment.id];
  const schedules = useQuery({ queryKey: key, queryFn: () => api<ScheduleView[]>(`/v1/deployments/${deployment.id}/schedules`) });
  // 'new' while adding a schedule, a schedule's id while editing it.
  const [editing, setEditing] = useState<string | undefined>();
  const changed = (): void => {
    void client.invalidateQueries({ queryKey: key });
    void client.invalidateQueries({ queryKey: ['deployment-runs', deployment.id] });
    void client.invalidateQueries({ queryKey: ['deployments'] });
  };
  const toggle = useMutation({
    mutationFn: (s: ScheduleView) => api<ScheduleView>(`/v1/deployments/${deployment.id}/schedules/${s.id}/${s.active ? 'pause' : 'resume'}`, { method: 'POST' }),
    onSettled: changed,
  });
  const done = (): void => {
    setEditing(undefined);
    changed();
  };
  if (schedules.error) return <ErrorMessage error={schedules.error} />;
  if (schedules.data === undefined) return <p className="muted">Loading…</p>;
  const adding = editing === 'new' ? <ScheduleForm deployment={deployment} onDone={done} /> : (
    <button type="button" onClick={() => setEditing('new')}>Add schedule</button>
  );
  if (schedules.data.length === 0) {
    return (
      <>
        <Empty>No schedules: this deployment runs when asked (Quick run, <code>weft deployments run</code>, the API).</Empty>
        {adding}
      </>
    );
  }
  const edited = schedules.data.find((s) => s.id === editing);
  return (
    <div className="scroll-x">
      {toggle.error ? <ErrorMessage error={toggle.error} /> : null}
      <table className="schedules">
        <thead>
          <tr>
            <th scope="col">Schedule</th>
            <th scope="col">Next runs</th>
            <th scope="col">Parameters</th>
            <th scope="col">Catch-up</th>
            <th scope="col">On</th>
            <th scope="col"><span className="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {schedules.data.map((s) => (
            <tr key={s.id}>
              <td>
                {s.description}
                <br />
                <code className="muted">{JSON.stringify(s.schedule)}</code>
              </td>
              <td>
                {!s.active ? <span className="muted">off</span> : deployment.paused ? <span className="muted">deployment paused</span> : (
                  <ul className="plain nowrap">
                    {s.nextTimes.map((t) => <li key={t}>{formatTime(t)}</li>)}
                  </ul>
                )}
              </td>
              <td><code>{Object.keys(s.parameters).length === 0 ? '—' : JSON.stringify(s.parameters)}</code></td>
              <td>{s.catchUp.policy}</td>
              <td>
                <label className="switch">
                  <input type="checkbox" role="switch" checked={s.active} disabled={toggle.isPending} onChange={() => toggle.mutate(s)} aria-label={`Schedule ${s.description}`} />
                  {s.active ? 'on' : 'off'}
                </label>
              </td>
              <td>
                <button type="button" onClick={() => setEditing(s.id)} aria-label={`Edit schedule ${s.description}`}>Edit</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {edited === undefined ? adding : <ScheduleForm key={edited.id} deployment={deployment} schedule={edited} onDone={done} />}
    </div>
  );
}

/** The deployment's latest runs. */
function DeploymentRuns({ deployment }: { readonly deployment: DeploymentDetail }): ReactElement {
  const runs = useQuery({ queryKey: ['deployment-runs', deployment.id, RECENT_RUNS], queryFn: () => api<FlowRun[]>(`/v1/deployments/${deployment.id}/runs?limit=${RECENT_RUNS}`) });
  if (runs.error) return <ErrorMessage error={runs.error} />;
  if (runs.data === undefined) return <p className="muted">Loading…</p>;
  if (runs.data.length === 0) return <Empty>No runs yet.</Empty>;
  return (
    <div className="scroll-x">
      <table>
        <thead>
          <tr>
            <th scope="col">State</th>
            <th scope="col">Name</th>
            <th scope="col">Scheduled for</th>
            <th scope="col">Start</th>
            <th scope="col">Duration</th>
            <th scope="col">Parameters</th>
          </tr>
        </thead>
        <tbody>
          {runs.data.map((run) => (
            <tr key={run.id}>
              <td><StateBadge type={run.state.type} name={run.state.name} /></td>
              <td><Link to="/runs/$id" params={{ id: run.id }}>{run.name}</Link></td>
              <td className="nowrap">{formatTime(run.expectedStartTime ?? null)}</td>
              <td className="nowrap">{formatTime(run.startTime)}</td>
              <td>{formatDuration(runDuration(run.startTime, run.endTime))}</td>
              <td><code>{JSON.stringify(run.parameters).slice(0, 120)}</code></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * One deployment: what it runs and where, its schedules (with their next runs and on/off
 * switches), parameter schema and latest runs; Quick run (its defaults; the form when the flow
 * needs a parameter without a default), Custom run, pause/resume and delete (confirmed).
 */
export function DeploymentPage(): ReactElement {
  const { id } = useParams({ from: '/deployments/$id' });
  const client = useQueryClient();
  const navigate = useNavigate();
  const key = ['deployment', id];
  const deployment = useQuery({ queryKey: key, queryFn: () => api<DeploymentDetail>(`/v1/deployments/${encodeURIComponent(id)}`), retry: (n, e) => !(e instanceof ApiError) && n < 50 });
  const [form, setForm] = useState<{ notice?: string } | undefined>();
  const [created, setCreated] = useState<FlowRun | undefined>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [refusal, setRefusal] = useState('');
  useLiveInvalidation((e) => e.kind === 'flow-run-state', [['deployment-runs', deployment.data?.id ?? id]]);
  useTitle(deployment.data === undefined ? 'Deployment' : `${deployment.data.flowName}/${deployment.data.name}`);

  const onCreated = (run: FlowRun): void => {
    setCreated(run);
    setForm(undefined);
    void client.invalidateQueries({ queryKey: ['deployment-runs'] });
  };
  const quickRun = useMutation({
    mutationFn: (d: DeploymentDetail) => api<FlowRun>(`/v1/deployments/${d.id}/runs`, { method: 'POST', body: '{}' }),
    onSuccess: onCreated,
    onError: (error) => {
      // The flow needs a parameter the defaults do not give: ask for it in the form.
      if (error instanceof ApiError && error.status === 422) setForm({ notice: `Quick run was refused: ${error.message} Fill in the form.` });
      else setRefusal(error instanceof Error ? error.message : String(error));
    },
  });
  const pause = useMutation({
    mutationFn: (d: DeploymentDetail) => api<DeploymentDetail>(`/v1/deployments/${d.id}/${d.paused ? 'resume' : 'pause'}`, { method: 'POST' }),
    onSuccess: (updated) => {
      client.setQueryData(key, updated);
      void client.invalidateQueries({ queryKey: ['deployments'] });
      void client.invalidateQueries({ queryKey: ['deployment-schedules', updated.id] });
      void client.invalidateQueries({ queryKey: ['deployment-runs', updated.id] });
    },
    onError: (error) => setRefusal(error instanceof Error ? error.message : String(error)),
  });
  const remove = useMutation({
    mutationFn: (d: DeploymentDetail) => api(`/v1/deployments/${d.id}`, { method: 'DELETE' }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['deployments'] });
      void navigate({ to: '/deployments' });
    },
    onError: (error) => setRefusal(error instanceof Error ? error.message : String(error)),
  });

  if (deployment.error instanceof ApiError && deployment.error.status === 404) {
    return (
      <section>
        <h1>Deployment not found</h1>
        <p role="alert">There is no deployment <code>{id}</code>. It may have been deleted. See the <Link to="/deployments">deployments</Link>.</p>
      </section>
    );
  }
  if (deployment.error) return <ErrorMessage error={deployment.error} />;
  const d = deployment.data;
  if (d === undefined) return <p className="muted">Loading…</p>;
  const missingRequired = (parameterFields(d.parameterSchema, d.parameters) ?? []).filter((f) => f.required).map((f) => f.name);
  return (
    <section>
      <p className="crumbs">
        <Link to="/deployments">Deployments</Link> / {d.flowName}
      </p>
      <h1>
        {d.name} {d.paused ? <span className="pill paused">Paused</span> : <span className="pill">Active</span>}
      </h1>
      {d.description === null ? null : <p className="muted">{d.description}</p>}
      <div className="toolbar">
        <button
          type="button"
          disabled={quickRun.isPending}
          onClick={() => {
            setRefusal('');
            if (missingRequired.length > 0) setForm({ notice: `The flow needs ${missingRequired.join(', ')}, which the deployment gives no default for.` });
            else quickRun.mutate(d);
          }}
        >
          Quick run
        </button>
        <button type="button" aria-expanded={form !== undefined} onClick={() => setForm(form === undefined ? {} : undefined)}>Custom run</button>
        <button type="button" disabled={pause.isPending} onClick={() => pause.mutate(d)}>{d.paused ? 'Resume' : 'Pause'}</button>
        <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>Delete</button>
        {created === undefined ? null : (
          <span role="status">
            Started <Link to="/runs/$id" params={{ id: created.id }}>{created.name}</Link>.
          </span>
        )}
        {refusal === '' ? null : <span className="error" role="alert">{refusal}</span>}
      </div>
      {confirmDelete ? (
        <div className="confirm" role="dialog" aria-modal="false" aria-labelledby="confirm-delete">
          <p id="confirm-delete">Delete deployment {d.flowName}/{d.name}? Its schedules and unstarted scheduled runs go; finished runs stay.</p>
          <button type="button" className="danger" disabled={remove.isPending} onClick={() => remove.mutate(d)}>Yes, delete</button>
          <button type="button" onClick={() => setConfirmDelete(false)}>No</button>
        </div>
      ) : null}
      {form === undefined ? null : <DeploymentRunForm deployment={d} onCreated={onCreated} {...(form.notice === undefined ? {} : { notice: form.notice })} />}
      <dl className="facts">
        <dt>Flow</dt><dd><Link to="/runs" search={{ flow: d.flowName }}>{d.flowName}</Link></dd>
        <dt>Entrypoint</dt><dd><code>{d.entrypoint}</code></dd>
        <dt>Project directory</dt><dd><code className="wrap">{d.projectDir ?? "the agent's working directory"}</code></dd>
        <dt>Work pool</dt><dd><Link to="/pools">{d.workPool}</Link>{d.workQueue === null ? null : ` (queue ${d.workQueue})`}</dd>
        <dt>Concurrency</dt><dd>{d.concurrencyLimit === null ? 'no limit' : `${d.concurrencyLimit} at once, then ${d.collisionStrategy}`}</dd>
        <dt>Late runs</dt><dd>{d.skipLateRuns ? 'skipped' : 'still run'}</dd>
        <dt>Version</dt><dd>{d.version ?? '—'}</dd>
        <dt>Tags</dt><dd>{d.tags.length === 0 ? '—' : d.tags.map((t) => <span key={t} className="tag">{t}</span>)}</dd>
        <dt>Default parameters</dt><dd><code>{JSON.stringify(d.parameters)}</code></dd>
        <dt>Updated</dt><dd>{formatTime(d.updatedAt)}</dd>
      </dl>
      <h2>Schedules</h2>
      <Schedules deployment={d} />
      <h2>Latest runs</h2>
      <DeploymentRuns deployment={d} />
      <h2>Parameter schema</h2>
      {d.parameterSchema === null ? <p className="muted">None stored: runs take any parameters, and the flow checks them when it starts.</p> : <pre className="json" tabIndex={0} role="region" aria-label="Parameter schema">{JSON.stringify(d.parameterSchema, null, 2)}</pre>}
    </section>
  );
}
