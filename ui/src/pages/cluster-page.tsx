import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import type { ReactElement } from 'react';
import { api } from '../api/client.js';
import { subscribeEvents } from '../api/event-stream.js';
import type { ClusterStatus, LocalClusterStatus, StateType } from '../api/types.js';
import { Empty, ErrorMessage } from '../components/messages.js';
import { StateBadge } from '../components/state-badge.js';
import { formatTime, shortId } from '../lib/format.js';
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
            <span className="muted">{formatTime(e.at)}</span> <StateBadge type={e.type} name={e.name} /> <Link to="/task-runs/$id" params={{ id: e.taskRunId }}>{shortId(e.taskRunId)}</Link>
          </li>
        ))}
      </ol>
    </div>
  );
}

/** A memory bar: resident memory against the worker's limit. */
function MemoryBar({ used, limit }: { readonly used: number; readonly limit: number }): ReactElement {
  const share = limit > 0 ? Math.min(1, used / limit) : 0;
  return (
    <span className="meter-cell">
      <meter min={0} max={limit > 0 ? limit : 1} value={Math.min(used, limit > 0 ? limit : used)} high={limit * 0.8} optimum={0} aria-label={`${used} MB of ${limit} MB`} />
      <span>{used} MB</span>
      <span className="muted">/ {limit} MB ({Math.round(share * 100)}%)</span>
    </span>
  );
}

/** One local cluster a running flow run reported. */
function LocalClusterCard({ cluster }: { readonly cluster: LocalClusterStatus }): ReactElement {
  const running = cluster.workers.reduce((sum, w) => sum + w.running, 0);
  const slots = cluster.workers.reduce((sum, w) => sum + w.concurrency, 0);
  const memory = cluster.workers.reduce((sum, w) => sum + w.memoryMb, 0);
  const done = cluster.workers.reduce((sum, w) => sum + w.completed + w.failed, 0);
  return (
    <div className="card wide local-cluster">
      <h3>
        Local cluster <code>{cluster.address}</code>
      </h3>
      <p className="muted">
        Run by pid {cluster.pid} on {cluster.host} for flow run <Link to="/runs/$id" params={{ id: cluster.flowRunId }}>{shortId(cluster.flowRunId)}</Link>; reported {formatTime(cluster.reportedAt)}
      </p>
      <div className="cards">
        <div className="card"><h4>Workers</h4><p className="big">{cluster.workers.length}</p></div>
        <div className="card"><h4>Slots busy</h4><p className="big">{running}/{slots}</p></div>
        <div className="card"><h4>Memory</h4><p className="big">{memory} MB</p><p className="muted">resident, all workers</p></div>
        <div className="card"><h4>Task runs done</h4><p className="big">{done}</p></div>
      </div>
      <div className="scroll-x">
      <table>
        <caption className="sr-only">Workers of {cluster.address}</caption>
        <thead>
          <tr>
            <th scope="col">Worker</th><th scope="col">PID</th><th scope="col">Status</th><th scope="col">Slots busy/total</th><th scope="col">Memory</th><th scope="col">Done</th><th scope="col">Failed</th><th scope="col">Last heartbeat</th>
          </tr>
        </thead>
        <tbody>
          {cluster.workers.map((w) => (
            <tr key={w.id} className="local-worker">
              <td>worker-{w.id}</td><td>{w.pid}</td><td>{w.status}</td><td>{w.running}/{w.concurrency}</td><td><MemoryBar used={w.memoryMb} limit={w.memoryLimitMb} /></td><td>{w.completed}</td><td>{w.failed}</td><td>{formatTime(w.lastHeartbeat)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </div>
  );
}

/** The Redis cluster the server is told of, and the local clusters of running flow runs: workers, memory, queue depth, throughput, live task stream. */
export function ClusterPage(): ReactElement {
  useTitle('Cluster');
  const status = useQuery({ queryKey: ['cluster'], queryFn: () => api<ClusterStatus>('/v1/cluster'), refetchInterval: 1000 });
  const data = status.data;
  return (
    <section>
      <h1>Cluster</h1>
      {status.error ? <ErrorMessage error={status.error} /> : null}
      <div className="cluster-columns">
        <div>
          <h2>Redis cluster</h2>
          {data !== undefined && !data.configured ? <Empty>{data.message}</Empty> : null}
          {data !== undefined && data.configured ? (
            <>
              <p>
                <code>{data.address}</code>, queue <code>{data.queue}</code>
              </p>
              {data.reachable ? null : <div className="error" role="alert">{data.message}</div>}
              <div className="cards">
                <div className="card"><h3>Workers</h3><p className="big">{data.workers.length}</p></div>
                <div className="card"><h3>Queue</h3><p className="big">{data.jobs.waiting}</p><p className="muted">waiting, {data.jobs.active} running</p></div>
                <div className="card"><h3>Throughput</h3><p className="big">{data.throughputPerSecond.toFixed(1)}</p><p className="muted">task runs/s, last minute</p></div>
              </div>
              {data.workers.length === 0 ? (
                <Empty>No workers. Start some with <code>./bin/weft.js worker {data.address}</code>.</Empty>
              ) : (
                <div className="scroll-x">
                <table>
                  <caption className="sr-only">Workers of the Redis cluster</caption>
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
                </div>
              )}
            </>
          ) : null}
        </div>
        <div>
          <h2>Local clusters</h2>
          {data !== undefined && data.localClusters.length === 0 ? (
            <Empty>No flow run is using a LocalCluster right now. A flow run with <code>new ClusterTaskRunner()</code> that records through this server shows its workers here while it runs.</Empty>
          ) : null}
          {data?.localClusters.map((c) => <LocalClusterCard key={c.address} cluster={c} />)}
        </div>
      </div>
      <TaskStream />
    </section>
  );
}
