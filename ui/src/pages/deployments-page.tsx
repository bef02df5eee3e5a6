import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import type { ReactElement } from 'react';
import { api } from '../api/client.js';
import type { Deployment, DeploymentListItem, ScheduleView } from '../api/operations-types.js';
import type { FlowRun } from '../api/types.js';
import { Empty, ErrorMessage } from '../components/messages.js';
import { formatTime } from '../lib/format.js';
import { useLiveInvalidation } from '../lib/use-live.js';
import { useTitle } from '../lib/use-title.js';

/** How many recent runs a deployment row shows. */
const RECENT_RUNS = 5;

/** The earliest next time of a deployment's active schedules, or undefined. */
export function nextRunTime(schedules: readonly ScheduleView[] | undefined): string | undefined {
  return (schedules ?? []).flatMap((s) => s.nextTimes).sort()[0];
}

/** A reference to a deployment in the URL and the API: its id (unique, needs no encoding). */
export const deploymentPath = (deployment: Pick<Deployment, 'id'>): { id: string } => ({ id: deployment.id });

/** The schedules of a deployment, each as its human description (paused ones marked). */
function ScheduleSummary({ schedules }: { readonly schedules: readonly ScheduleView[] | undefined }): ReactElement {
  if (schedules === undefined) return <span className="muted">…</span>;
  if (schedules.length === 0) return <span className="muted">none (runs on demand)</span>;
  return (
    <ul className="plain">
      {schedules.map((s) => (
        <li key={s.id}>
          {s.description}
          {s.active ? null : <span className="muted"> (off)</span>}
        </li>
      ))}
    </ul>
  );
}

/** The latest runs of a deployment as coloured marks (newest first), each a link to its run. */
export function RecentRuns({ runs }: { readonly runs: readonly FlowRun[] | undefined }): ReactElement {
  if (runs === undefined) return <span className="muted">…</span>;
  if (runs.length === 0) return <span className="muted">no runs yet</span>;
  return (
    <span className="recent-runs">
      {runs.map((run) => (
        <Link key={run.id} to="/runs/$id" params={{ id: run.id }} title={`${run.name}: ${run.state.name} (${formatTime(run.expectedStartTime ?? run.createdAt)})`} aria-label={`${run.name}, ${run.state.name}`}>
          <span className={`run-mark state-${run.state.type.toLowerCase()}`} data-state={run.state.type} />
        </Link>
      ))}
    </span>
  );
}

/** One deployment's row, from the list's summary (no request of its own). */
function DeploymentRow({ deployment }: { readonly deployment: DeploymentListItem }): ReactElement {
  const next = deployment.nextRunTime ?? undefined;
  return (
    <tr>
      <td>
        <Link to="/deployments/$id" params={deploymentPath(deployment)}>{deployment.name}</Link>
      </td>
      <td>{deployment.flowName}</td>
      <td><ScheduleSummary schedules={deployment.schedules} /></td>
      <td className="nowrap">{deployment.paused ? <span className="muted">paused</span> : next === undefined ? <span className="muted">—</span> : formatTime(next)}</td>
      <td>{deployment.paused ? <span className="pill paused">Paused</span> : <span className="pill">Active</span>}</td>
      <td>{deployment.workPool}</td>
      <td><RecentRuns runs={deployment.recentRuns} /></td>
    </tr>
  );
}

/**
 * Every deployment: flow, schedules in words, next run, paused or not, work pool, latest runs.
 * One request (`GET /deployments?summary=true`) gives them all, refetched on run state events
 * at most once a second.
 */
export function DeploymentsPage(): ReactElement {
  useTitle('Deployments');
  const deployments = useQuery({ queryKey: ['deployments', 'summary', RECENT_RUNS], queryFn: () => api<DeploymentListItem[]>(`/v1/deployments?summary=true&recentRuns=${RECENT_RUNS}`) });
  useLiveInvalidation((e) => e.kind === 'flow-run-state', [['deployments']]);
  return (
    <section>
      <h1>Deployments</h1>
      {deployments.error ? <ErrorMessage error={deployments.error} /> : null}
      {deployments.data?.length === 0 ? (
        <Empty>
          No deployments yet. Deploy a flow with <code>./bin/weft.js deploy flow.ts:myFlow --name nightly --cron "0 9 * * *"</code>.
        </Empty>
      ) : null}
      {deployments.data && deployments.data.length > 0 ? (
        <div className="scroll-x">
          <table className="deployments">
            <thead>
              <tr>
                <th scope="col">Deployment</th>
                <th scope="col">Flow</th>
                <th scope="col">Schedules</th>
                <th scope="col">Next run</th>
                <th scope="col">Status</th>
                <th scope="col">Work pool</th>
                <th scope="col">Latest runs</th>
              </tr>
            </thead>
            <tbody>
              {deployments.data.map((d) => (
                <DeploymentRow key={d.id} deployment={d} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
