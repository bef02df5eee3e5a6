import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useRouterState } from '@tanstack/react-router';
import { useMemo, useState } from 'react';
import type { ReactElement } from 'react';
import { api } from '../api/client.js';
import { STATE_TYPES } from '../api/types.js';
import type { FlowRunPage, TaskRunCounts } from '../api/types.js';
import { Empty, ErrorMessage } from '../components/messages.js';
import { StateBadge, StateCounts } from '../components/state-badge.js';
import { formatDuration, formatTime, runDuration, shortId } from '../lib/format.js';
import { RANGES, parseRunsSearch, runsQuery } from '../lib/runs-search.js';
import type { RunsSearch } from '../lib/runs-search.js';
import { SEARCH_DEBOUNCE_MS, useDebouncedEffect } from '../lib/use-debounced.js';
import { useLiveInvalidation } from '../lib/use-live.js';
import { useTitle } from '../lib/use-title.js';

/** Flow runs with filters and sort in the URL, cursor pages, live updates, bulk cancel and delete. */
export function RunsPage(): ReactElement {
  useTitle('Runs');
  // Parsed from the raw query string, so an invalid value is dropped here whatever the router keeps.
  const searchStr = useRouterState({ select: (s) => s.location.searchStr });
  const { search, ignored } = useMemo(() => parseRunsSearch(Object.fromEntries(new URLSearchParams(searchStr))), [searchStr]);
  const navigate = useNavigate({ from: '/runs' });
  const client = useQueryClient();
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [confirming, setConfirming] = useState<'cancel' | 'delete' | undefined>();
  const [outcome, setOutcome] = useState('');

  // The name search runs 250 ms after the last keystroke, not on each one.
  const [nameText, setNameText] = useState(search.name ?? '');
  useDebouncedEffect(nameText, (text) => setFilter({ name: text.trim() || undefined }), SEARCH_DEBOUNCE_MS);

  const query = runsQuery(search, cursor);
  const runs = useQuery({ queryKey: ['flow-runs', search, cursor], queryFn: () => api<FlowRunPage>(`/v1/flow-runs?${query}`) });
  const shown = runs.data?.items ?? [];
  const ids = shown.map((run) => run.id).join(',');
  const counts = useQuery({ queryKey: ['task-run-counts', ids], enabled: ids !== '', queryFn: () => api<TaskRunCounts>(`/v1/task-run-counts?flowRunIds=${encodeURIComponent(ids)}`) });
  useLiveInvalidation((e) => e.kind === 'flow-run-state', [['flow-runs'], ['task-run-counts']]);

  const setFilter = (patch: Partial<RunsSearch>): void => {
    setCursors([]);
    setSelected(new Set());
    void navigate({ search: Object.fromEntries(Object.entries({ ...search, ...patch }).filter(([, v]) => v !== undefined && v !== '')) as RunsSearch });
  };

  const bulk = useMutation({
    mutationFn: async (action: 'cancel' | 'delete') => {
      const failures: string[] = [];
      for (const id of selected) {
        try {
          await api(`/v1/flow-runs/${id}${action === 'cancel' ? '/cancel' : ''}`, { method: action === 'cancel' ? 'POST' : 'DELETE' });
        } catch (error) {
          failures.push(`${shortId(id)}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      return { action, done: selected.size - failures.length, failures };
    },
    onSuccess: ({ action, done, failures }) => {
      setOutcome(`${action === 'cancel' ? 'Cancelled' : 'Deleted'} ${done} run${done === 1 ? '' : 's'}.${failures.length > 0 ? ` Refused: ${failures.join('; ')}` : ''}`);
      setSelected(new Set());
      setConfirming(undefined);
      void client.invalidateQueries({ queryKey: ['flow-runs'] });
    },
  });

  const toggle = (id: string): void => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };

  return (
    <section>
      <h1>Flow runs</h1>
      {ignored.length > 0 ? (
        <p className="notice" role="status">
          Ignored invalid filter{ignored.length === 1 ? '' : 's'} in the URL: {ignored.join(', ')}.
        </p>
      ) : null}
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          State
          <select value={search.state ?? ''} onChange={(e) => setFilter({ state: (e.target.value || undefined) as RunsSearch['state'] })}>
            <option value="">any</option>
            {STATE_TYPES.map((t) => (
              <option key={t} value={t}>{t.toLowerCase()}</option>
            ))}
          </select>
        </label>
        <label>
          Flow
          <input defaultValue={search.flow ?? ''} onBlur={(e) => setFilter({ flow: e.target.value || undefined })} onKeyDown={(e) => e.key === 'Enter' && setFilter({ flow: e.currentTarget.value || undefined })} />
        </label>
        <label>
          Tag
          <input defaultValue={search.tag ?? ''} onBlur={(e) => setFilter({ tag: e.target.value || undefined })} onKeyDown={(e) => e.key === 'Enter' && setFilter({ tag: e.currentTarget.value || undefined })} />
        </label>
        <label>
          Name
          <input type="search" value={nameText} maxLength={200} onChange={(e) => setNameText(e.target.value)} />
        </label>
        <label>
          Created
          <select value={search.range ?? ''} onChange={(e) => setFilter({ range: (e.target.value || undefined) as RunsSearch['range'] })}>
            <option value="">any time</option>
            {Object.keys(RANGES).map((r) => (
              <option key={r} value={r}>last {r}</option>
            ))}
          </select>
        </label>
        <label>
          Sort
          <select value={search.sort ?? 'newest'} onChange={(e) => setFilter({ sort: e.target.value === 'oldest' ? 'oldest' : undefined })}>
            <option value="newest">newest first</option>
            <option value="oldest">oldest first</option>
          </select>
        </label>
      </form>

      <div className="toolbar">
        <button type="button" disabled={selected.size === 0} onClick={() => setConfirming('cancel')}>Cancel selected</button>
        <button type="button" disabled={selected.size === 0} onClick={() => setConfirming('delete')}>Delete selected</button>
        {outcome === '' ? null : <span role="status">{outcome}</span>}
      </div>
      {confirming === undefined ? null : (
        <div className="confirm" role="dialog" aria-modal="false" aria-labelledby="confirm-title">
          <p id="confirm-title">
            {confirming === 'cancel' ? 'Cancel' : 'Delete'} {selected.size} flow run{selected.size === 1 ? '' : 's'}?{confirming === 'delete' ? ' Their record (task runs, states, logs) is removed.' : ''}
          </p>
          <button type="button" className="danger" onClick={() => bulk.mutate(confirming)} disabled={bulk.isPending}>
            Yes, {confirming}
          </button>
          <button type="button" onClick={() => setConfirming(undefined)}>No</button>
        </div>
      )}

      {runs.error ? <ErrorMessage error={runs.error} /> : null}
      {runs.data && shown.length === 0 ? <Empty>No flow runs match. {Object.keys(search).length > 0 ? 'Clear the filters, or ' : ''}Run a flow with <code>./bin/weft.js run flow.ts</code>.</Empty> : null}
      {shown.length > 0 ? (
        <table className="runs">
          <thead>
            <tr>
              <th scope="col"><span className="sr-only">Select</span></th>
              <th scope="col">State</th>
              <th scope="col">Name</th>
              <th scope="col">Flow</th>
              <th scope="col">Tags</th>
              <th scope="col">Start</th>
              <th scope="col">Duration</th>
              <th scope="col">Task runs</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((run) => (
              <tr key={run.id}>
                <td>
                  <input type="checkbox" aria-label={`Select ${run.name}`} checked={selected.has(run.id)} onChange={() => toggle(run.id)} />
                </td>
                <td>
                  <StateBadge type={run.state.type} name={run.state.name} />
                </td>
                <td>
                  <Link to="/runs/$id" params={{ id: run.id }}>{run.name}</Link>
                </td>
                <td>{run.flowName}</td>
                <td>{run.tags.map((tag) => <span key={tag} className="tag">{tag}</span>)}</td>
                <td>{formatTime(run.startTime)}</td>
                <td>{formatDuration(runDuration(run.startTime, run.endTime))}</td>
                <td>
                  <StateCounts counts={counts.data?.[run.id]} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <div className="pager">
        <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>Previous page</button>
        <button type="button" disabled={!runs.data?.nextCursor} onClick={() => runs.data?.nextCursor && setCursors([...cursors, runs.data.nextCursor])}>Next page</button>
      </div>
    </section>
  );
}
