// A lazily loaded component that renders at once when its chunk was loaded before (preloaded by a
// route's loader). React.lazy suspends on its first render even when the chunk is already in, and
// React then holds the revealed content back until 300 ms after the fallback showed (its Suspense
// throttle): a tab whose chunk and data were ready drew a third of a second late.
import { lazy, useState } from 'react';
import type { ComponentType, ReactElement } from 'react';

/** A component loaded on demand, and the function that loads it ahead of time. */
export interface Preloadable<P extends object> {
  /** Renders the component; suspends (inside a Suspense boundary) only while its chunk loads. */
  readonly Component: (props: P) => ReactElement;
  /** Loads the chunk (once); resolves when the component can render without suspending. */
  readonly preload: () => Promise<void>;
}

/**
 * Wraps `load` (a dynamic import of a module whose default export is a component).
 * @example
 * const graphTab = preloadable(() => import('./graph-tab.js'));
 * void graphTab.preload(); // in a loader
 * <graphTab.Component run={run} /> // inside <Suspense>
 */
export function preloadable<P extends object>(load: () => Promise<{ readonly default: ComponentType<P> }>): Preloadable<P> {
  let loaded: ComponentType<P> | undefined;
  let loading: Promise<{ default: ComponentType<P> }> | undefined;
  const start = (): Promise<{ default: ComponentType<P> }> => {
    loading ??= load().then(
      (module) => {
        loaded = module.default;
        return { default: module.default };
      },
      (error: unknown) => {
        loading = undefined; // a later render or preload tries again
        throw error;
      },
    );
    return loading;
  };
  const Lazy = lazy(start);
  function Component(props: P): ReactElement {
    // Chosen once per mounted instance: switching from Lazy to the loaded type would remount it.
    const [Chosen] = useState<ComponentType<P>>(() => loaded ?? Lazy);
    return <Chosen {...props} />;
  }
  return {
    Component,
    preload: () => start().then(() => undefined),
  };
}
