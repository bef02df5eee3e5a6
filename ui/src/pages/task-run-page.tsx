import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import type { ReactElement } from 'react';
import { ApiError, api } from '../api/client.js';
import type { LogLine, StateRecord, TaskRun } from '../api/types.js';
import { Empty, ErrorMessage } from '../components/messages.js';
import { StateBadge } from '../components/state-badge.js';
import { formatDuration, formatTime, runDuration, shortId } from '../lib/format.js';
import { useLiveInvalidation } from '../lib/use-live.js';
import { useTitle } from '../lib/use-title.js';

/** When a cached result stops being used: never, a time, or that it already expired. */
function cacheExpiry(result: TaskRun['result']): ReactElement | string {
  if (result?.cacheKey === undefined) return '—';
  if (result.expiresAt === undefined) return 'never';
  const expired = Date.parse(result.expiresAt) <= Date.now();
  return <>{formatTime(result.expiresAt)}{expired ? <span className="muted"> (expired: the next run with this key computes again)</span> : null}</>;
}

/** One task run: state history with attempts (and the worker of each) and errors, inputs, cache key and expiry, result reference, logs. */
export function TaskRunPage(): ReactElement {
  const { id } = useParams({ from: '/task-runs/$id' });
  const taskRun = useQuery({ queryKey: ['task-run', id], queryFn: () => api<TaskRun>(`/v1/task-runs/${encodeURIComponent(id)}`), retry: (n, e) => !(e instanceof ApiError) && n < 50 });
  const states = useQuery({ queryKey: ['task-run-states', id], queryFn: () => api<StateRecord[]>(`/v1/task-runs/${encodeURIComponent(id)}/states`), enabled: taskRun.data !== undefined });
  const flowRunId = taskRun.data?.flowRunId ?? null;
  const logs = useQuery({
    queryKey: ['task-run-logs', id],
    enabled: flowRunId !== null,
    queryFn: async () => (await api<LogLine[]>(`/v1/flow-runs/${flowRunId ?? ''}/logs`)).filter((l) => l.taskRunId === id),
  });
  useLiveInvalidation((e) => e.kind === 'task-run-state' && e.taskRunId === id, [['task-run', id], ['task-run-states', id], ['task-run-logs', id]], 500);
  useTitle(taskRun.data === undefined ? 'Task run' : `${taskRun.data.name} (${taskRun.data.state.name})`);

  if (taskRun.error instanceof ApiError && taskRun.error.status === 404) {
    return (
      <section>
        <h1>Task run not found</h1>
        <p role="alert">There is no task run <code>{id}</code>. See the <Link to="/runs">runs list</Link>.</p>
      </section>
    );
  }
  if (taskRun.error) return <ErrorMessage error={taskRun.error} />;
  const t = taskRun.data;
  if (t === undefined) return <p className="muted">Loading…</p>;
  let attempt = 0;
  return (
    <section>
      <p className="crumbs">
        <Link to="/runs">Runs</Link>
        {t.flowRunId === null ? null : (<> / <Link to="/runs/$id" params={{ id: t.flowRunId }} search={{ tab: 'task-runs' }}>flow run {shortId(t.flowRunId)}</Link></>)}
      </p>
      <h1>
        {t.name} <StateBadge type={t.state.type} name={t.state.name} />
      </h1>
      <dl className="facts">
        <dt>Task</dt><dd><code>{t.taskKey}</code></dd>
        <dt>Started</dt><dd>{formatTime(t.startTime)}</dd>
        <dt>Ended</dt><dd>{formatTime(t.endTime)}</dd>
        <dt>Duration</dt><dd>{formatDuration(runDuration(t.startTime, t.endTime))}</dd>
        <dt>Attempts</dt><dd>{t.runCount}</dd>
        <dt>Map index</dt><dd>{t.mapIndex < 0 ? 'not mapped' : t.mapIndex}</dd>
        <dt>Tags</dt><dd>{t.tags.length === 0 ? '—' : t.tags.map((tag) => <span key={tag} className="tag">{tag}</span>)}</dd>
        <dt>Result</dt>
        <dd>{t.result ? (<><code>{t.result.storage}</code> key <code>{t.result.key}</code> ({t.result.serializer}){t.result.producedBy !== t.id ? <> cached from <Link to="/task-runs/$id" params={{ id: t.result.producedBy }}>{shortId(t.result.producedBy)}</Link></> : null} — read with <code>./bin/weft.js results get {t.id}</code></>) : 'not persisted'}</dd>
        <dt>Cache key</dt><dd>{t.result?.cacheKey === undefined ? <span className="muted">not cached (the task has no cache policy)</span> : <code className="wrap">{t.result.cacheKey}</code>}</dd>
        <dt>Cache expires</dt><dd>{cacheExpiry(t.result)}</dd>
        <dt>Worker</dt><dd>{t.worker ? <code>{t.worker}</code> : <span className="muted">not reported</span>}</dd>
        <dt>Id</dt><dd><code>{t.id}</code></dd>
      </dl>
      <h2>Inputs</h2>
      {t.upstream.length === 0 ? <p className="muted">No upstream task runs (inputs were plain values).</p> : (
        <ul className="plain">
          {t.upstream.map((u) => <li key={u}><Link to="/task-runs/$id" params={{ id: u }}>{shortId(u)}</Link></li>)}
        </ul>
      )}
      <h2>State history</h2>
      {states.error ? <ErrorMessage error={states.error} /> : null}
      <ol className="plain history">
        {(states.data ?? []).map((s, i) => {
          if (s.type === 'RUNNING') attempt += 1;
          return (
            <li key={i}>
              <span className="muted">{formatTime(s.timestamp)}</span> <StateBadge type={s.type} name={s.name} /> {s.type === 'RUNNING' ? <span className="muted">attempt {attempt}</span> : null}
              {s.worker === undefined ? null : <span className="muted"> on <code>{s.worker}</code></span>}
              {s.message ? <pre className="stack">{s.message}</pre> : null}
            </li>
          );
        })}
      </ol>
      <h2>Logs</h2>
      {logs.data?.length === 0 ? <Empty>This task run wrote no log lines.</Empty> : null}
      {logs.data === undefined || logs.data.length === 0 ? null : (
        <pre className="logs" tabIndex={0} role="region" aria-label="Task run logs">
          {logs.data.map((l) => `${formatTime(l.timestamp)} ${l.name} ${l.message}`).join('\n')}
        </pre>
      )}
    </section>
  );
}
