// The web UI's entry: loads the runtime settings (path prefix, API base, whether a key is
// needed), then renders the router. A 401 anywhere sends the user to the login page with the reason.
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { UnauthorizedError, UnreachableError, apiKey, loadUiSettings } from './api/client.js';
import { isPublicPath } from './components/layout.js';
import { makeRouter } from './router.js';
import './styles.css';

async function start(): Promise<void> {
  const root = createRoot(document.getElementById('root') as HTMLElement);
  let settings;
  try {
    settings = await loadUiSettings();
  } catch {
    root.render(<div className="error" role="alert">The Weft server does not answer. Reload the page when it is running.</div>);
    return;
  }
  // `toLogin` runs when a query fails, which happens only after the router below exists.
  const toLogin = (error: unknown): void => {
    if (!(error instanceof UnauthorizedError)) return;
    const here = router.state.location;
    if (here.pathname.endsWith('/login')) return;
    void router.navigate({ to: '/login', search: { reason: error.message, redirect: here.href } });
  };
  const queryClient = new QueryClient({
    queryCache: new QueryCache({ onError: toLogin }),
    mutationCache: new MutationCache({ onError: toLogin }),
    defaultOptions: {
      queries: {
        retry: (count, error) => error instanceof UnreachableError && count < 100,
        retryDelay: (count) => Math.min(500 * 2 ** count, 5000),
        staleTime: 2000,
        refetchOnWindowFocus: false,
      },
    },
  });
  const router = makeRouter(settings.basePath.replace(/\/$/, '') || '/', queryClient);
  if (settings.authRequired && apiKey() === '' && !isPublicPath(window.location.pathname)) {
    await router.navigate({ to: '/login', search: { redirect: window.location.pathname.slice(settings.basePath.length - 1) + window.location.search } });
  }
  root.render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </StrictMode>,
  );
}

void start();
