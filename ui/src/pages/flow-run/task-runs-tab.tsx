import { Link } from '@tanstack/react-router';
import { useMemo, useState } from 'react';
import type { ReactElement } from 'react';
import type { FlowRun, TaskRun } from '../../api/types.js';
import { STATE_TYPES } from '../../api/types.js';
import { Empty, ErrorMessage } from '../../components/messages.js';
import { StateBadge } from '../../components/state-badge.js';
import { formatDuration, formatTime, runDuration } from '../../lib/format.js';
import { useTaskRuns } from './use-task-runs.js';

type SortKey = 'name' | 'state' | 'start' | 'duration';
const PAGE = 200;

const sorters: Record<SortKey, (a: TaskRun, b: TaskRun) => number> = {
  name: (a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }),
  state: (a, b) => a.state.type.localeCompare(b.state.type),
  start: (a, b) => (a.startTime ?? '').localeCompare(b.startTime ?? ''),
  duration: (a, b) => (runDuration(a.startTime, a.endTime) ?? -1) - (runDuration(b.startTime, b.endTime) ?? -1),
};

/** The run's task runs: sortable, filterable by state and name, a page at a time. */
export function TaskRunsTab({ run }: { readonly run: FlowRun }): ReactElement {
  const taskRuns = useTaskRuns(run);
  const [state, setState] = useState('');
  const [name, setName] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'start', desc: false });
  const [page, setPage] = useState(0);
  const rows = useMemo(() => {
    const list = (taskRuns.data ?? []).filter((t) => (state === '' || t.state.type === state) && (name === '' || t.name.toLowerCase().includes(name.toLowerCase())));
    list.sort(sorters[sort.key]);
    if (sort.desc) list.reverse();
    return list;
  }, [taskRuns.data, state, name, sort]);
  if (taskRuns.error) return <ErrorMessage error={taskRuns.error} />;
  if (taskRuns.data === undefined) return <p className="muted">Loading…</p>;
  if (taskRuns.data.length === 0) return <Empty>This flow run has no task runs yet.</Empty>;
  const header = (key: SortKey, label: string): ReactElement => (
    <th scope="col" aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="link-button" onClick={() => setSort({ key, desc: sort.key === key ? !sort.desc : false })}>{label}</button>
    </th>
  );
  const pages = Math.max(1, Math.ceil(rows.length / PAGE));
  return (
    <>
      <div className="filters">
        <label>
          State
          <select value={state} onChange={(e) => { setState(e.target.value); setPage(0); }}>
            <option value="">any</option>
            {STATE_TYPES.map((t) => <option key={t} value={t}>{t.toLowerCase()}</option>)}
          </select>
        </label>
        <label>
          Name
          <input type="search" value={name} onChange={(e) => { setName(e.target.value); setPage(0); }} />
        </label>
        <span className="muted">{rows.length} of {taskRuns.data.length}</span>
      </div>
      <table>
        <thead><tr>{header('name', 'Name')}{header('state', 'State')}{header('start', 'Start')}{header('duration', 'Duration')}<th scope="col">Attempts</th></tr></thead>
        <tbody>
          {rows.slice(page * PAGE, (page + 1) * PAGE).map((t) => (
            <tr key={t.id}>
              <td><Link to="/task-runs/$id" params={{ id: t.id }}>{t.name}</Link></td>
              <td><StateBadge type={t.state.type} name={t.state.name} /></td>
              <td>{formatTime(t.startTime)}</td>
              <td>{formatDuration(runDuration(t.startTime, t.endTime))}</td>
              <td>{t.runCount}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {pages > 1 ? (
        <div className="pager">
          <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>Previous page</button>
          <span>Page {page + 1} of {pages}</span>
          <button type="button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>Next page</button>
        </div>
      ) : null}
    </>
  );
}
