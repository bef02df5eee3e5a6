import { useEffect, useMemo, useRef, useState } from 'react';
import type { ReactElement } from 'react';
import { api } from '../../api/client.js';
import { subscribeEvents } from '../../api/event-stream.js';
import type { FlowRun, LogLine } from '../../api/types.js';
import { LOG_LEVELS } from '../../../../src/log-levels.js';
import { ErrorMessage } from '../../components/messages.js';
import { VirtualList } from '../../components/virtual-list.js';
import { formatTime } from '../../lib/format.js';

const levelName = (level: number): string => Object.entries(LOG_LEVELS).findLast(([, n]) => n <= level)?.[0] ?? String(level);

/** Reads a run's logs and keeps reading new lines as they are written (after the last `seq`). */
function useRunLogs(flowRunId: string): { lines: readonly LogLine[]; error: unknown } {
  const [lines, setLines] = useState<readonly LogLine[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const last = useRef<number | undefined>(undefined);
  useEffect(() => {
    let stopped = false;
    let busy = false;
    let again = false;
    last.current = undefined;
    setLines([]);
    const fetchNew = async (): Promise<void> => {
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      try {
        const after = last.current === undefined ? '' : `?afterSeq=${last.current}`;
        const fresh = await api<LogLine[]>(`/v1/flow-runs/${flowRunId}/logs${after}`);
        if (stopped) return;
        setError(undefined);
        const end = fresh.at(-1)?.seq;
        if (end !== undefined) last.current = end;
        if (fresh.length > 0) setLines((old) => (old.length === 0 ? fresh : [...old, ...fresh]));
      } catch (e) {
        if (!stopped) setError(e);
      } finally {
        busy = false;
        if (again && !stopped) {
          again = false;
          window.setTimeout(() => void fetchNew(), 300);
        }
      }
    };
    void fetchNew();
    let timer: number | undefined;
    const off = subscribeEvents((e) => {
      if (e.kind !== 'log' || e.log.flowRunId !== flowRunId || timer !== undefined) return;
      timer = window.setTimeout(() => {
        timer = undefined;
        void fetchNew();
      }, 300);
    });
    return () => {
      stopped = true;
      off();
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [flowRunId]);
  return { lines, error };
}

/** The run's logs: virtualized, level filter, search, follow live, download. */
export function LogsTab({ run }: { readonly run: FlowRun }): ReactElement {
  const { lines, error } = useRunLogs(run.id);
  const [minLevel, setMinLevel] = useState(0);
  const [text, setText] = useState('');
  const [follow, setFollow] = useState(true);
  const shown = useMemo(() => {
    const needle = text.toLowerCase();
    return lines.filter((l) => l.level >= minLevel && (needle === '' || l.message.toLowerCase().includes(needle) || l.name.toLowerCase().includes(needle)));
  }, [lines, minLevel, text]);
  const download = (): void => {
    const body = lines.map((l) => `${l.timestamp} ${levelName(l.level).padEnd(8)} ${l.name} ${l.message}`).join('\n');
    const url = URL.createObjectURL(new Blob([`${body}\n`], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${run.name}-${run.id.slice(-8)}.log`;
    a.click();
    URL.revokeObjectURL(url);
  };
  return (
    <>
      <div className="filters">
        <label>
          Level
          <select value={minLevel} onChange={(e) => setMinLevel(Number(e.target.value))}>
            <option value={0}>all</option>
            {Object.entries(LOG_LEVELS).map(([name, n]) => <option key={name} value={n}>{name.toLowerCase()} and above</option>)}
          </select>
        </label>
        <label>
          Search
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow
        </label>
        <button type="button" onClick={download} disabled={lines.length === 0}>Download</button>
        <span className="muted">{shown.length} of {lines.length} lines</span>
      </div>
      {error === undefined ? null : <ErrorMessage error={error} />}
      {lines.length === 0 ? <p className="muted">No log lines yet.</p> : null}
      <VirtualList
        items={shown}
        rowHeight={20}
        height={420}
        follow={follow}
        label="Log lines"
        onScrollAway={() => setFollow(false)}
        render={(l) => (
          <span className={`log level-${levelName(l.level).toLowerCase()}`}>
            <span className="muted">{formatTime(l.timestamp)}</span> <b>{levelName(l.level)}</b> <span className="muted">{l.name}</span> {l.message}
          </span>
        )}
      />
    </>
  );
}
