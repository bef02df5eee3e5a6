// The UI's routes. Every page is its own chunk (lazyRouteComponent); the runs list's search
// parameters are validated with zod (lib/runs-search.ts). A flow run's loader starts the page's
// queries while its chunk loads.
import type { QueryClient } from '@tanstack/react-query';
import { createRootRouteWithContext, createRoute, createRouter, lazyRouteComponent } from '@tanstack/react-router';
import { z } from 'zod';
import { Layout } from './components/layout.js';
import { parseEventsSearch } from './lib/events-search.js';
import { parseRunsSearch } from './lib/runs-search.js';
import { NotFoundPage } from './pages/not-found-page.js';
import { prefetchFlowRunPage } from './pages/flow-run/queries.js';

/** What every route's loader gets. */
export interface RouterContext {
  readonly queryClient: QueryClient;
}

const rootRoute = createRootRouteWithContext<RouterContext>()({ component: Layout, notFoundComponent: NotFoundPage });

const dashboardRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  validateSearch: (raw: Record<string, unknown>) => {
    const range = z.enum(['1h', '24h', '7d', '30d']).safeParse(raw['range']);
    return range.success ? { range: range.data } : {};
  },
  component: lazyRouteComponent(() => import('./pages/dashboard-page.js'), 'DashboardPage'),
});

const runsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/runs',
  validateSearch: (raw: Record<string, unknown>) => parseRunsSearch(raw).search,
  component: lazyRouteComponent(() => import('./pages/runs-page.js'), 'RunsPage'),
});

const flowRunRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/runs/$id',
  validateSearch: (raw: Record<string, unknown>) => {
    const tab = z.enum(['graph', 'timeline', 'logs', 'task-runs', 'subflows', 'parameters', 'results', 'artifacts']).safeParse(raw['tab']);
    const expand = z.string().max(5000).safeParse(raw['expand']);
    const group = z.enum(['task', 'worker']).safeParse(raw['group']);
    return {
      ...(tab.success ? { tab: tab.data } : {}),
      ...(expand.success && expand.data !== '' ? { expand: expand.data } : {}),
      ...(group.success && group.data === 'worker' ? { group: group.data } : {}),
    };
  },
  // Not awaited: the page renders as soon as its chunk is in, with the data already on its way.
  loaderDeps: ({ search }) => ({ tab: search.tab, expand: search.expand }),
  loader: ({ context, params, deps }) => prefetchFlowRunPage(context.queryClient, params.id, deps),
  component: lazyRouteComponent(() => import('./pages/flow-run-page.js'), 'FlowRunPage'),
});

const taskRunRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/task-runs/$id',
  component: lazyRouteComponent(() => import('./pages/task-run-page.js'), 'TaskRunPage'),
});

const flowsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/flows',
  component: lazyRouteComponent(() => import('./pages/flows-page.js'), 'FlowsPage'),
});

const clusterRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/cluster',
  component: lazyRouteComponent(() => import('./pages/cluster-page.js'), 'ClusterPage'),
});

const artifactKeyRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/artifacts/$key',
  component: lazyRouteComponent(() => import('./pages/artifact-key-page.js'), 'ArtifactKeyPage'),
});

const variablesRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/variables',
  component: lazyRouteComponent(() => import('./pages/variables-page.js'), 'VariablesPage'),
});

const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/login',
  validateSearch: (raw: Record<string, unknown>) => {
    const reason = z.string().max(500).safeParse(raw['reason']);
    const redirect = z.string().max(2000).startsWith('/').safeParse(raw['redirect']);
    return { ...(reason.success ? { reason: reason.data } : {}), ...(redirect.success ? { redirect: redirect.data } : {}) };
  },
  component: lazyRouteComponent(() => import('./pages/login-page.js'), 'LoginPage'),
});

const deploymentsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/deployments',
  component: lazyRouteComponent(() => import('./pages/deployments-page.js'), 'DeploymentsPage'),
});

const deploymentRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/deployments/$id',
  component: lazyRouteComponent(() => import('./pages/deployment-page.js'), 'DeploymentPage'),
});

const poolsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/pools',
  component: lazyRouteComponent(() => import('./pages/pools-page.js'), 'PoolsPage'),
});

const limitsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/limits',
  component: lazyRouteComponent(() => import('./pages/limits-page.js'), 'LimitsPage'),
});

// Events and automations (issue 17); the events page parses its own filters (lib/events-search.ts).
const eventsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/events',
  validateSearch: (raw: Record<string, unknown>) => parseEventsSearch(raw),
  component: lazyRouteComponent(() => import('./pages/events-page.js'), 'EventsPage'),
});

const automationsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/automations',
  component: lazyRouteComponent(() => import('./pages/automations-page.js'), 'AutomationsPage'),
});

const automationNewRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/automations/new',
  component: lazyRouteComponent(() => import('./pages/automation-new-page.js'), 'AutomationNewPage'),
});

const automationRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/automations/$id',
  component: lazyRouteComponent(() => import('./pages/automation-page.js'), 'AutomationPage'),
});

const secretsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/secrets',
  component: lazyRouteComponent(() => import('./pages/secrets-page.js'), 'SecretsPage'),
});

// A resume link's page: public (the signed token is the credential), shown without the navigation.
const resumeLinkRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/resume/$token',
  component: lazyRouteComponent(() => import('./pages/resume-link-page.js'), 'ResumeLinkPage'),
});

const routeTree = rootRoute.addChildren([dashboardRoute, runsRoute, flowRunRoute, taskRunRoute, flowsRoute, clusterRoute, artifactKeyRoute, variablesRoute, secretsRoute, resumeLinkRoute, loginRoute, deploymentsRoute, deploymentRoute, poolsRoute, limitsRoute, eventsRoute, automationsRoute, automationNewRoute, automationRoute]);

/** Makes the router, its links under `basePath` (the server's path prefix); loaders prefetch into `queryClient`. */
export function makeRouter(basePath: string, queryClient: QueryClient): ReturnType<typeof createRouter<typeof routeTree>> {
  return createRouter({ routeTree, basepath: basePath, defaultPreload: 'intent', context: { queryClient } });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof makeRouter>;
  }
}

export { dashboardRoute, flowRunRoute, loginRoute, runsRoute, taskRunRoute };
