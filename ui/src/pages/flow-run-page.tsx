import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearch } from '@tanstack/react-router';
import { Suspense, useState } from 'react';
import type { ReactElement } from 'react';
import { ApiError, api } from '../api/client.js';
import type { FlowRun } from '../api/types.js';
import { ErrorMessage } from '../components/messages.js';
import { StateBadge } from '../components/state-badge.js';
import { formatDuration, formatTime, runDuration, shortId } from '../lib/format.js';
import { useLiveInvalidation } from '../lib/use-live.js';
import { useTitle } from '../lib/use-title.js';
import { LogsTab } from './flow-run/logs-tab.js';
import { ParametersTab, ResultsTab, SubflowsTab } from './flow-run/small-tabs.js';
import { TaskRunsTab } from './flow-run/task-runs-tab.js';
import { PausePanel } from './flow-run/pause-panel.js';
import { ArtifactsTab } from './flow-run/artifacts-tab.js';
import { flowRunQuery } from './flow-run/queries.js';
import { graphTab, timelineTab } from './flow-run/tab-chunks.js';

const GraphTab = graphTab.Component;
const TimelineTab = timelineTab.Component;

const TABS = [
  ['graph', 'Graph'],
  ['timeline', 'Timeline'],
  ['logs', 'Logs'],
  ['task-runs', 'Task runs'],
  ['subflows', 'Subflow runs'],
  ['parameters', 'Parameters'],
  ['results', 'Results'],
  ['artifacts', 'Artifacts'],
] as const;
type Tab = (typeof TABS)[number][0];

/** Parameters on one line, cut at 160 characters (the Parameters tab shows them whole). */
function summarize(parameters: Readonly<Record<string, unknown>>): string {
  const text = JSON.stringify(parameters);
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}

/** One flow run: header with state, timings and actions; tabs for its graph, timeline, logs … */
export function FlowRunPage(): ReactElement {
  const { id } = useParams({ from: '/runs/$id' });
  const search = useSearch({ from: '/runs/$id' });
  const tab: Tab = search.tab ?? 'graph';
  const navigate = useNavigate({ from: '/runs/$id' });
  const client = useQueryClient();
  // The route's loader has started this query (and the open tab's) while this chunk loaded.
  const run = useQuery(flowRunQuery(id));
  useLiveInvalidation((e) => e.kind === 'flow-run-state' && e.flowRunId === run.data?.id, [['flow-run', id]], 300);
  const [refusal, setRefusal] = useState('');
  const action = useMutation({
    mutationFn: (kind: 'cancel' | 'retry') => api<FlowRun>(`/v1/flow-runs/${run.data?.id ?? id}/${kind}`, { method: 'POST' }),
    onSuccess: (updated) => {
      setRefusal('');
      client.setQueryData(['flow-run', id], updated);
    },
    onError: (error) => setRefusal(error instanceof Error ? error.message : String(error)),
  });
  useTitle(run.data === undefined ? 'Flow run' : `${run.data.name} (${run.data.state.name})`);

  if (run.error instanceof ApiError && run.error.status === 404) {
    return (
      <section>
        <h1>Flow run not found</h1>
        <p role="alert">There is no flow run <code>{id}</code>. It may have been deleted. See the <Link to="/runs">runs list</Link>.</p>
      </section>
    );
  }
  if (run.error) return <ErrorMessage error={run.error} />;
  const data = run.data;
  if (data === undefined) return <p className="muted">Loading…</p>;
  const running = ['RUNNING', 'PENDING', 'SCHEDULED', 'PAUSED', 'CANCELLING'].includes(data.state.type);
  return (
    <section>
      <p className="crumbs">
        <Link to="/runs">Runs</Link> / <Link to="/runs" search={{ flow: data.flowName }}>{data.flowName}</Link>
      </p>
      <h1>
        {data.name} <StateBadge type={data.state.type} name={data.state.name} />
      </h1>
      {data.state.message ? <p className="muted">{data.state.message}</p> : null}
      <dl className="facts">
        <dt>Flow</dt><dd>{data.flowName}</dd>
        <dt>Started</dt><dd>{formatTime(data.startTime)}</dd>
        <dt>Ended</dt><dd>{formatTime(data.endTime)}</dd>
        <dt>Duration</dt><dd>{formatDuration(runDuration(data.startTime, data.endTime))}</dd>
        <dt>Attempts</dt><dd>{data.runCount}</dd>
        <dt>Parameters</dt><dd><code>{summarize(data.parameters)}</code></dd>
        <dt>Tags</dt><dd>{data.tags.length === 0 ? '—' : data.tags.map((t) => <span key={t} className="tag">{t}</span>)}</dd>
        {data.parentFlowRunId === null ? null : (<><dt>Parent</dt><dd><Link to="/runs/$id" params={{ id: data.parentFlowRunId }}>{shortId(data.parentFlowRunId)}</Link></dd></>)}
        <dt>Id</dt><dd><code>{data.id}</code></dd>
      </dl>
      <div className="toolbar">
        <button type="button" className="danger" disabled={!running || action.isPending} onClick={() => action.mutate('cancel')}>Cancel run</button>
        <button type="button" disabled={running || action.isPending} onClick={() => action.mutate('retry')}>Retry run</button>
        {refusal === '' ? null : <span className="error" role="alert">{refusal}</span>}
      </div>
      <PausePanel run={data} />
      <div role="tablist" aria-label="Flow run views" className="tabs">
        {TABS.map(([key, label]) => (
          <button key={key} type="button" role="tab" id={`tab-${key}`} aria-selected={tab === key} aria-controls="tab-panel" onClick={() => void navigate({ search: (prev) => ({ ...prev, tab: key }) })}>
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="tab-panel" aria-labelledby={`tab-${tab}`} className="panel">
        <Suspense fallback={<p className="muted">Loading…</p>}>
          {tab === 'graph' ? <GraphTab run={data} expand={search.expand} /> : null}
          {tab === 'timeline' ? <TimelineTab run={data} group={search.group ?? 'task'} /> : null}
          {tab === 'logs' ? <LogsTab run={data} /> : null}
          {tab === 'task-runs' ? <TaskRunsTab run={data} /> : null}
          {tab === 'subflows' ? <SubflowsTab run={data} /> : null}
          {tab === 'parameters' ? <ParametersTab run={data} /> : null}
          {tab === 'results' ? <ResultsTab run={data} /> : null}
          {tab === 'artifacts' ? <ArtifactsTab run={data} /> : null}
        </Suspense>
      </div>
    </section>
  );
}
