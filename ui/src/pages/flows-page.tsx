import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import type { ReactElement } from 'react';
import { api } from '../api/client.js';
import type { FlowSummary } from '../api/types.js';
import { Empty, ErrorMessage } from '../components/messages.js';
import { StateBadge } from '../components/state-badge.js';
import { formatDuration, formatTime, runDuration } from '../lib/format.js';
import { useLiveInvalidation } from '../lib/use-live.js';
import { useTitle } from '../lib/use-title.js';

/** Every flow with recorded runs: run count, first run, latest run and its state. */
export function FlowsPage(): ReactElement {
  useTitle('Flows');
  const flows = useQuery({ queryKey: ['flows'], queryFn: () => api<FlowSummary[]>('/v1/flows') });
  useLiveInvalidation((e) => e.kind === 'flow-run-state', [['flows']]);
  return (
    <section>
      <h1>Flows</h1>
      {flows.error ? <ErrorMessage error={flows.error} /> : null}
      {flows.data?.length === 0 ? <Empty>No flow has run yet. Run one with <code>./bin/weft.js run flow.ts</code>.</Empty> : null}
      {flows.data && flows.data.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Flow</th>
              <th scope="col">Runs</th>
              <th scope="col">First run</th>
              <th scope="col">Latest run</th>
              <th scope="col">State</th>
              <th scope="col">Duration</th>
            </tr>
          </thead>
          <tbody>
            {flows.data.map((flow) => (
              <tr key={flow.name}>
                <td>
                  <Link to="/runs" search={{ flow: flow.name }}>{flow.name}</Link>
                </td>
                <td>{flow.runCount}</td>
                <td>{formatTime(flow.firstRunAt)}</td>
                <td>
                  <Link to="/runs/$id" params={{ id: flow.lastRun.id }}>{flow.lastRun.name}</Link>
                </td>
                <td>
                  <StateBadge type={flow.lastRun.state.type} name={flow.lastRun.state.name} />
                </td>
                <td>{formatDuration(runDuration(flow.lastRun.startTime, flow.lastRun.endTime))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
