import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { Suspense, lazy } from 'react';
import type { ReactElement } from 'react';
import { api } from '../api/client.js';
import type { Dashboard } from '../api/types.js';
import { Empty, ErrorMessage } from '../components/messages.js';
import { StateBadge, StateCounts } from '../components/state-badge.js';
import { formatTime } from '../lib/format.js';
import { RANGES } from '../lib/runs-search.js';
import type { RangeName } from '../lib/runs-search.js';
import { useLiveInvalidation } from '../lib/use-live.js';
import { useTitle } from '../lib/use-title.js';

const RunsChart = lazy(() => import('../components/runs-chart.js'));

function RunList({ title, runs }: { readonly title: string; readonly runs: Dashboard['latestFailed'] }): ReactElement {
  return (
    <div className="card">
      <h2>{title}</h2>
      {runs.length === 0 ? <p className="muted">None.</p> : null}
      <ul className="plain">
        {runs.map((run) => (
          <li key={run.id}>
            <StateBadge type={run.state.type} name={run.state.name} /> <Link to="/runs/$id" params={{ id: run.id }}>{run.name}</Link> <span className="muted">{run.flowName} · {formatTime(run.createdAt)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Runs over time by state, counts, latest failed and running runs, task-run throughput. */
export function DashboardPage(): ReactElement {
  useTitle('Dashboard');
  const search = useSearch({ from: '/' });
  const range: RangeName = search.range ?? '24h';
  const navigate = useNavigate({ from: '/' });
  const dashboard = useQuery({
    queryKey: ['dashboard', range],
    queryFn: () => api<Dashboard>(`/v1/dashboard?since=${new Date(Date.now() - RANGES[range]).toISOString()}&buckets=24`),
    refetchInterval: 5000,
  });
  useLiveInvalidation((e) => e.kind === 'flow-run-state', [['dashboard']], 2000);
  const data = dashboard.data;
  const total = data === undefined ? 0 : Object.values(data.counts).reduce((a, b) => a + b, 0);
  return (
    <section>
      <h1>Dashboard</h1>
      <div className="toolbar" role="group" aria-label="Time range">
        {(Object.keys(RANGES) as RangeName[]).map((r) => (
          <button key={r} type="button" aria-pressed={r === range} onClick={() => void navigate({ search: { range: r } })}>
            Last {r}
          </button>
        ))}
      </div>
      {dashboard.error ? <ErrorMessage error={dashboard.error} /> : null}
      {data === undefined ? null : (
        <>
          <div className="cards">
            <div className="card">
              <h2>Flow runs</h2>
              <p className="big">{total}</p>
              <StateCounts counts={data.counts} />
              {data.truncated ? <p className="muted">Counted the newest 20 000 runs of the range.</p> : null}
            </div>
            <div className="card">
              <h2>Task runs / s</h2>
              <p className="big">{data.taskRunsPerSecond.toFixed(1)}</p>
              <p className="muted">last minute, {(data.taskRunFailureRate * 100).toFixed(1)} % failed</p>
            </div>
          </div>
          <div className="card wide">
            <h2>Runs over time</h2>
            {total === 0 ? (
              <Empty>No flow runs in the last {range}. Run a flow with <code>./bin/weft.js run flow.ts</code>.</Empty>
            ) : (
              <Suspense fallback={<p className="muted">Drawing…</p>}>
                <RunsChart dashboard={data} />
              </Suspense>
            )}
          </div>
          <div className="cards">
            <RunList title="Latest failed" runs={data.latestFailed} />
            <RunList title="Running" runs={data.latestRunning} />
          </div>
        </>
      )}
    </section>
  );
}
