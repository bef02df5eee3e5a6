import { Link, Outlet, useRouterState } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import type { ReactElement } from 'react';
import { apiKey, onReachability, setApiKey, uiSettings } from '../api/client.js';
import { subscribeEvents } from '../api/event-stream.js';

type Theme = 'light' | 'dark';

function initialTheme(): Theme {
  const saved = localStorage.getItem('weft-theme');
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** The banner shown while the server does not answer; it goes away when the stream reconnects. */
function ReachabilityBanner(): ReactElement | null {
  const [reachable, setReachable] = useState(true);
  useEffect(() => onReachability(setReachable), []);
  // Keep the live stream open on every page: it notices a server that went away or came back.
  useEffect(() => subscribeEvents(() => undefined), []);
  if (reachable) return null;
  return (
    <div className="banner" role="alert">
      The Weft server does not answer. Reconnecting…
    </div>
  );
}

/** True on a resume link's page, which a person without the API key opens (see `isPublicPath`). */
function usePublicPage(): boolean {
  return useRouterState({ select: (state) => isPublicPath(state.location.pathname) });
}

/** Paths of the pages shown without the API key: a resume link's (its signed token is the credential). */
export function isPublicPath(pathname: string): boolean {
  return /(^|\/)resume\/[^/]+$/.test(pathname);
}

/** The frame of every page: navigation, theme switch, the unreachable banner; a public page gets none of them. */
export function Layout(): ReactElement {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  useEffect(() => {
    document.documentElement.dataset['theme'] = theme;
    localStorage.setItem('weft-theme', theme);
  }, [theme]);
  const publicPage = usePublicPage();
  if (publicPage) {
    return (
      <div className="app">
        <main>
          <Outlet />
        </main>
      </div>
    );
  }
  const signedIn = uiSettings().authRequired && apiKey() !== '';
  return (
    <div className="app">
      <header className="top">
        <Link to="/" className="brand">
          <img src="favicon.svg" alt="" width="22" height="22" /> Weft
        </Link>
        <nav aria-label="Main">
          <Link to="/" activeOptions={{ exact: true }}>Dashboard</Link>
          <Link to="/runs">Runs</Link>
          <Link to="/flows">Flows</Link>
          <Link to="/deployments">Deployments</Link>
          <Link to="/pools">Work pools</Link>
          <Link to="/limits">Limits</Link>
          <Link to="/events">Events</Link>
          <Link to="/automations">Automations</Link>
          <Link to="/cluster">Cluster</Link>
          <Link to="/variables">Variables</Link>
          <Link to="/secrets">Secrets</Link>
        </nav>
        <span className="spacer" />
        {signedIn ? (
          <button
            type="button"
            className="link-button"
            onClick={() => {
              setApiKey('');
              window.location.reload();
            }}
          >
            Sign out
          </button>
        ) : null}
        <button type="button" onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} mode`}>
          {theme === 'dark' ? '☀' : '☾'}
        </button>
      </header>
      <ReachabilityBanner />
      <main>
        <Outlet />
      </main>
    </div>
  );
}
