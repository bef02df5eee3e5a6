import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import type { ReactElement } from 'react';
import { api } from '../api/client.js';
import { subscribeEvents } from '../api/event-stream.js';
import type { ClusterStatus, StateType } from '../api/types.js';
import { Empty, ErrorMessage } from '../components/messages.js';
import { StateBadge } from '../components/state-badge.js';
import { formatTime } from '../lib/format.js';
import { useTitle } from '../lib/use-title.js';

interface StreamEntry {
  readonly key: number;
  readonly taskRunId: string;
  readonly type: StateType;
  readonly name: string;
  readonly at: string;
}

/** The task-run state changes as they happen (the newest 50). */
function TaskStream(): ReactElement {
  const [entries, setEntries] = useState<readonly StreamEntry[]>([]);
  useEffect(() => {
    let key = 0;
    let pending: StreamEntry[] = [];
    const timer = window.setInterval(() => {
      if (pending.length === 0) return;
      const add = pending;
      pending = [];
      setEntries((old) => [...add.reverse(), ...old].slice(0, 50));
    }, 500);
    const off = subscribeEvents((e) => {
      if (e.kind !== 'task-run-state') return;
      pending.push({ key: key++, taskRunId: e.taskRunId, type: e.state.type, name: e.state.name, at: e.state.timestamp });
      if (pending.length > 50) pending = pending.slice(-50);
    });
    return () => {
      off();
      window.clearInterval(timer);
    };
  }, []);
  return (
    <div className="card wide">
      <h2>Task stream</h2>
      {entries.length === 0 ? <p className="muted">No task runs changed state since this page opened.</p> : null}
      <ol className="plain stream" aria-live="off">
        {entries.map((e) => (
          <li key={e.key}>
            <span className="muted">{formatTime(e.at)}</span> <StateBadge type={e.type} name={e.name} /> <Link to="/task-runs/$id" params={{ id: e.taskRunId }}>{e.taskRunId.slice(0, 8)}</Link>
          </li>
        ))}
      </ol>
    </div>
  );
}

/** The Redis cluster the server is told of: workers, queue depth, throughput, live task stream. */
export function ClusterPage(): ReactElement {
  useTitle('Cluster');
  const status = useQuery({ queryKey: ['cluster'], queryFn: () => api<ClusterStatus>('/v1/cluster'), refetchInterval: 2000 });
  const data = status.data;
  return (
    <section>
      <h1>Cluster</h1>
      {status.error ? <ErrorMessage error={status.error} /> : null}
      {data !== undefined && !data.configured ? <Empty>{data.message}</Empty> : null}
      {data !== undefined && data.configured ? (
        <>
          <p>
            Redis cluster <code>{data.address}</code>, queue <code>{data.queue}</code>
          </p>
          {data.reachable ? null : <div className="error" role="alert">{data.message}</div>}
          <div className="cards">
            <div className="card"><h2>Workers</h2><p className="big">{data.workers.length}</p></div>
            <div className="card"><h2>Queue</h2><p className="big">{data.jobs.waiting}</p><p className="muted">waiting, {data.jobs.active} running</p></div>
            <div className="card"><h2>Throughput</h2><p className="big">{data.throughputPerSecond.toFixed(1)}</p><p className="muted">task runs/s, last minute</p></div>
          </div>
          {data.workers.length === 0 ? (
            <Empty>No workers. Start some with <code>./bin/weft.js worker {data.address}</code>.</Empty>
          ) : (
            <table>
              <caption className="sr-only">Workers</caption>
              <thead>
                <tr>
                  <th scope="col">Host</th><th scope="col">PID</th><th scope="col">Slots busy/total</th><th scope="col">Done</th><th scope="col">Failed</th><th scope="col">Last minute</th><th scope="col">Started</th><th scope="col">Last heartbeat</th>
                </tr>
              </thead>
              <tbody>
                {data.workers.map((w) => (
                  <tr key={`${w.host}:${w.pid}`} className="worker">
                    <td>{w.host}</td><td>{w.pid}</td><td>{w.running}/{w.concurrency}</td><td>{w.completed}</td><td>{w.failed}</td><td>{w.lastMinute}</td><td>{formatTime(w.startedAt)}</td><td>{formatTime(w.lastHeartbeat)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : null}
      <TaskStream />
    </section>
  );
}
