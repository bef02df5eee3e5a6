import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import type { ReactElement } from 'react';
import { api } from '../../api/client.js';
import type { FlowRun, FlowRunPage } from '../../api/types.js';
import { Empty, ErrorMessage } from '../../components/messages.js';
import { StateBadge } from '../../components/state-badge.js';
import { formatDuration, formatTime, runDuration } from '../../lib/format.js';
import { useTaskRuns } from './use-task-runs.js';

/** The run's parameters as JSON. */
export function ParametersTab({ run }: { readonly run: FlowRun }): ReactElement {
  return <pre className="json" tabIndex={0} role="region" aria-label="Parameters">{JSON.stringify(run.parameters, null, 2)}</pre>;
}

/** Subflow runs: flow runs whose parent is this one (among the newest 1000). */
export function SubflowsTab({ run }: { readonly run: FlowRun }): ReactElement {
  const runs = useQuery({ queryKey: ['flow-runs', 'children', run.id], queryFn: () => api<FlowRunPage>('/v1/flow-runs?limit=1000') });
  const children = (runs.data?.items ?? []).filter((r) => r.parentFlowRunId === run.id);
  if (runs.error) return <ErrorMessage error={runs.error} />;
  if (runs.data === undefined) return <p className="muted">Loading…</p>;
  if (children.length === 0) return <Empty>This run started no subflows.</Empty>;
  return (
    <table>
      <thead><tr><th scope="col">State</th><th scope="col">Name</th><th scope="col">Flow</th><th scope="col">Start</th><th scope="col">Duration</th></tr></thead>
      <tbody>
        {children.map((r) => (
          <tr key={r.id}>
            <td><StateBadge type={r.state.type} name={r.state.name} /></td>
            <td><Link to="/runs/$id" params={{ id: r.id }}>{r.name}</Link></td>
            <td>{r.flowName}</td>
            <td>{formatTime(r.startTime)}</td>
            <td>{formatDuration(runDuration(r.startTime, r.endTime))}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Where each persisted result lives, with the command that reads it. */
export function ResultsTab({ run }: { readonly run: FlowRun }): ReactElement {
  const taskRuns = useTaskRuns(run);
  if (taskRuns.error) return <ErrorMessage error={taskRuns.error} />;
  if (taskRuns.data === undefined) return <p className="muted">Loading…</p>;
  const persisted = taskRuns.data.filter((t) => t.result);
  if (persisted.length === 0) return <Empty>No task run of this flow run persisted its result (set <code>persistResult: true</code> on a task).</Empty>;
  return (
    <table>
      <thead><tr><th scope="col">Task run</th><th scope="col">Storage</th><th scope="col">Key</th><th scope="col">Serializer</th><th scope="col">Read it with</th></tr></thead>
      <tbody>
        {persisted.slice(0, 500).map((t) => (
          <tr key={t.id}>
            <td><Link to="/task-runs/$id" params={{ id: t.id }}>{t.name}</Link></td>
            <td><code>{t.result?.storage}</code></td>
            <td><code>{t.result?.key}</code></td>
            <td>{t.result?.serializer}</td>
            <td><code>./bin/weft.js results get {t.id}</code></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
