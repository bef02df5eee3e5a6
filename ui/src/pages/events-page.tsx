import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useRouterState } from '@tanstack/react-router';
import { Suspense, lazy, useEffect, useMemo, useState } from 'react';
import type { ReactElement } from 'react';
import { api } from '../api/client.js';
import type { EventCounts, EventPage } from '../api/automation-types.js';
import { followRecordedEvents } from '../api/recorded-event-stream.js';
import type { WeftEvent } from '../api/recorded-event-stream.js';
import { Empty, ErrorMessage } from '../components/messages.js';
import { VirtualList } from '../components/virtual-list.js';
import { eventsQuery, parseEventsSearch, resourcePage } from '../lib/events-search.js';
import type { EventsSearch } from '../lib/events-search.js';
import { formatCount, formatTime } from '../lib/format.js';
import { RANGES } from '../lib/runs-search.js';
import type { RangeName } from '../lib/runs-search.js';
import { SEARCH_DEBOUNCE_MS, useDebouncedEffect } from '../lib/use-debounced.js';
import { useTitle } from '../lib/use-title.js';

const EventChart = lazy(() => import('../components/event-chart.js'));

/** Events of one page of the list. */
const PAGE = 100;
/** Most events the feed keeps (loaded pages and live ones): past this, narrow the filters. */
const MAX_SHOWN = 5_000;
/** Buckets of the histogram. */
const BUCKETS = 48;
/** Height of one row of the feed, in px (two lines). */
const ROW_HEIGHT = 46;
/** How often the histogram is read again while events arrive, at most, in ms. */
const COUNTS_EVERY_MS = 2_000;

/** A resource id as a link to its page (flow run, deployment, task run), or as text. */
function ResourceLink({ id, name }: { readonly id: string; readonly name?: string | undefined }): ReactElement {
  const page = resourcePage(id);
  const text = name === undefined || name === '' ? id : name;
  if (page === undefined) return <code title={id}>{text}</code>;
  return (
    <Link to={page.to} params={{ id: page.id }} title={id}>
      {text}
    </Link>
  );
}

/** One event of the feed: when, what, about which resource, and its related resources. */
function EventRow({ event }: { readonly event: WeftEvent }): ReactElement {
  const id = event.resource['weft.resource.id'] ?? '';
  return (
    <div className="event-row">
      <div className="event-line">
        <span className="muted">{formatTime(event.occurred)}</span> <b>{event.event}</b>
      </div>
      <div className="event-line">
        <ResourceLink id={id} name={event.resource['weft.resource.name']} />
        {event.related.map((r) => {
          const rid = r['weft.resource.id'] ?? '';
          const role = r['weft.resource.role'];
          return (
            <span key={rid} className="related">
              {role === undefined ? null : <span className="muted">{role} </span>}
              <ResourceLink id={rid} name={r['weft.resource.name'] ?? rid.replace(/^weft\.[a-z-]+\./, '')} />
            </span>
          );
        })}
      </div>
    </div>
  );
}

/** True when a live event passes the page's filters (the stream already filters by name prefix). */
function passes(event: WeftEvent, search: EventsSearch, since: string): boolean {
  if (search.resource !== undefined && event.resource['weft.resource.id'] !== search.resource) return false;
  return Date.parse(event.occurred) >= Date.parse(since);
}

/** Recorded events: a live feed with filters in the URL, a histogram of the range, and "Load more". */
export function EventsPage(): ReactElement {
  useTitle('Events');
  const searchStr = useRouterState({ select: (s) => s.location.searchStr });
  const search = useMemo(() => parseEventsSearch(Object.fromEntries(new URLSearchParams(searchStr))), [searchStr]);
  const range: RangeName = search.range ?? '24h';
  const navigate = useNavigate({ from: '/events' });
  const client = useQueryClient();
  const setFilter = (patch: Partial<EventsSearch>): void => {
    void navigate({ search: Object.fromEntries(Object.entries({ ...search, ...patch }).filter(([, v]) => v !== undefined && v !== '')) as EventsSearch });
  };
  const [nameText, setNameText] = useState(search.name ?? '');
  const [resourceText, setResourceText] = useState(search.resource ?? '');
  useDebouncedEffect(nameText, (text) => setFilter({ name: text.trim() || undefined }), SEARCH_DEBOUNCE_MS);
  useDebouncedEffect(resourceText, (text) => setFilter({ resource: text.trim() || undefined }), SEARCH_DEBOUNCE_MS);

  // The range starts when the filters were chosen; events arriving later are added live.
  // Computed again when any filter changes (`search`).
  const since = useMemo(() => new Date(Date.now() - RANGES[range]).toISOString(), [range, search]);
  const pages = useInfiniteQuery({
    queryKey: ['events', search, since],
    initialPageParam: undefined as number | undefined,
    queryFn: ({ pageParam }) => api<EventPage>(`/v1/events?${eventsQuery(search, since, pageParam, PAGE)}`, { headers: { accept: 'application/json' } }),
    getNextPageParam: (last) => (last.items.length < PAGE ? undefined : last.items.at(-1)?.seq),
    refetchOnWindowFocus: false,
  });
  const counts = useQuery({
    queryKey: ['event-counts', search, range],
    // The range ends now, at each read.
    queryFn: () => {
      const query = new URLSearchParams({ since: new Date(Date.now() - RANGES[range]).toISOString(), buckets: String(BUCKETS), ...(search.name === undefined ? {} : { name: search.name }), ...(search.resource === undefined ? {} : { resource: search.resource }) });
      return api<EventCounts>(`/v1/event-counts?${query.toString()}`);
    },
    refetchInterval: 30_000,
  });

  // Live: events recorded from now on, newest first, until the filters change.
  const [live, setLive] = useState<readonly WeftEvent[]>([]);
  const [following, setFollowing] = useState(false);
  useEffect(() => {
    setLive([]);
    let arrived: WeftEvent[] = [];
    let timer: number | undefined;
    let countsAt = 0;
    const flush = (): void => {
      timer = undefined;
      const batch = arrived.reverse();
      arrived = [];
      setLive((shown) => [...batch, ...shown].slice(0, MAX_SHOWN));
      if (Date.now() - countsAt >= COUNTS_EVERY_MS) {
        countsAt = Date.now();
        void client.invalidateQueries({ queryKey: ['event-counts'] });
      }
    };
    const stop = followRecordedEvents(
      search.name ?? '',
      (event) => {
        if (!passes(event, search, since)) return;
        arrived.push(event);
        timer ??= window.setTimeout(flush, 200);
      },
      setFollowing,
    );
    return () => {
      stop();
      setFollowing(false);
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [client, search, since]);

  const shown = useMemo(() => {
    const seen = new Set<string>();
    const loaded = pages.data?.pages.flatMap((p) => p.items) ?? [];
    return [...live, ...loaded].filter((e) => !seen.has(e.id) && seen.add(e.id) !== undefined);
  }, [live, pages.data]);
  const full = shown.length >= MAX_SHOWN;

  return (
    <section>
      <h1>
        Events {following ? <span className="pill" role="status">Live</span> : null}
      </h1>
      <form className="filters" aria-label="Event filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Name starts with
          <input type="search" value={nameText} maxLength={200} placeholder="weft.flow-run." onChange={(e) => setNameText(e.target.value)} />
        </label>
        <label>
          Resource
          <input type="search" value={resourceText} maxLength={1000} placeholder="weft.flow-run.<id>" onChange={(e) => setResourceText(e.target.value)} />
        </label>
        <span className="segmented" role="group" aria-label="Time range">
          {(Object.keys(RANGES) as RangeName[]).map((r) => (
            <button key={r} type="button" aria-pressed={r === range} onClick={() => setFilter({ range: r === '24h' ? undefined : r })}>
              Last {r}
            </button>
          ))}
        </span>
      </form>
      <div className="card wide">
        <h2>
          {counts.data === undefined ? 'Events over time' : `${formatCount(counts.data.total)} event${counts.data.total === 1 ? '' : 's'} in the last ${range}`}
        </h2>
        {counts.error ? <ErrorMessage error={counts.error} /> : null}
        {counts.data?.truncated ? <p className="muted">Counted the first {formatCount(counts.data.total)} events of the range.</p> : null}
        {counts.data === undefined ? null : (
          <Suspense fallback={<p className="muted">Drawing…</p>}>
            <EventChart counts={counts.data} />
          </Suspense>
        )}
      </div>
      {pages.error ? <ErrorMessage error={pages.error} /> : null}
      {pages.data !== undefined && shown.length === 0 ? (
        <Empty>
          No events match in the last {range}. Runs record their state changes here; code adds its own with <code>emitEvent(&apos;orders.loaded&apos;)</code>.
        </Empty>
      ) : null}
      {shown.length > 0 ? (
        <VirtualList items={shown} rowHeight={ROW_HEIGHT} height={Math.min(560, shown.length * ROW_HEIGHT + 2)} follow={false} label="Events, newest first" render={(event) => <EventRow event={event} />} />
      ) : null}
      <div className="pager">
        <span className="muted">{formatCount(shown.length)} shown</span>
        {pages.hasNextPage && !full ? (
          <button type="button" disabled={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
            {pages.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        ) : null}
        {full ? <span className="muted">The feed keeps {formatCount(MAX_SHOWN)} events: narrow the filters to see older ones.</span> : null}
      </div>
    </section>
  );
}
