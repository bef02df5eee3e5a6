// The flow-run page's queries, shared by the page, its tabs and the route's loader: the loader
// starts them (and the open tab's chunk) as soon as the route matches, while the page's own chunk
// still loads, so the data is on its way before the page renders.
import type { QueryClient, UseQueryOptions } from '@tanstack/react-query';
import { ApiError, api } from '../../api/client.js';
import type { FlowRun, RunGraph, Timeline, TimelineColumns } from '../../api/types.js';
import { fromColumns } from '../../lib/timeline-columns.js';
import { graphTab, timelineTab } from './tab-chunks.js';

/** A query's options, as `useQuery` and `prefetchQuery` take them. */
type Query<T> = UseQueryOptions<T, Error, T, readonly unknown[]>;

/** The flow run itself; an API error (a 404) is not retried. */
export const flowRunQuery = (id: string): Query<FlowRun> => ({
  queryKey: ['flow-run', id],
  queryFn: () => api<FlowRun>(`/v1/flow-runs/${encodeURIComponent(id)}`),
  retry: (n, e) => !(e instanceof ApiError) && n < 50,
});

/** The run's collapsed task graph, the tasks in `expand` (comma-separated keys) shown one by one. */
export const graphQuery = (id: string, expand: string | undefined, onFetched?: (ms: number) => void): Query<RunGraph> => ({
  queryKey: ['graph', id, expand ?? ''],
  queryFn: () => timed(() => api<RunGraph>(`/v1/flow-runs/${encodeURIComponent(id)}/graph?expand=${encodeURIComponent(expand ?? '')}`), onFetched),
});

/** The run's timeline, read as columns and turned back into attempts. */
export const timelineQuery = (id: string, onFetched?: (ms: number) => void): Query<Timeline> => ({
  queryKey: ['timeline', id],
  queryFn: () => timed(async () => fromColumns(await api<TimelineColumns>(`/v1/flow-runs/${encodeURIComponent(id)}/timeline?format=columns`)), onFetched),
});

async function timed<T>(fetch: () => Promise<T>, onFetched: ((ms: number) => void) | undefined): Promise<T> {
  const start = performance.now();
  try {
    return await fetch();
  } finally {
    onFetched?.(performance.now() - start);
  }
}

/**
 * Starts what the page of run `id` on `tab` needs first (the run, the tab's data, the tab's chunk)
 * without waiting for any of it: a failure shows on the page, whose queries own the error.
 * @example
 * loader: ({ context, params, deps }) => prefetchFlowRunPage(context.queryClient, params.id, deps)
 */
export function prefetchFlowRunPage(client: QueryClient, id: string, { tab, expand }: { readonly tab?: string | undefined; readonly expand?: string | undefined }): void {
  void client.prefetchQuery(flowRunQuery(id));
  if (tab === undefined || tab === 'graph') {
    void client.prefetchQuery({ ...graphQuery(id, expand), retry: false });
    graphTab.preload().catch(() => undefined); // the tab shows a failure when it renders
  } else if (tab === 'timeline') {
    void client.prefetchQuery({ ...timelineQuery(id), retry: false });
    timelineTab.preload().catch(() => undefined);
  }
}
