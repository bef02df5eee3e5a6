// @vitest-environment jsdom
// A preloaded tab renders in its first commit, with no Suspense fallback (whose reveal React
// throttles by 300 ms); one not preloaded suspends until its chunk is in, then renders.
import { act, cleanup, render, screen } from '@testing-library/react';
import { Suspense } from 'react';
import type { ReactElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { preloadable } from '../src/lib/preloadable.js';

afterEach(cleanup);

function Tab({ label }: { readonly label: string }): ReactElement {
  return <p>tab {label}</p>;
}

/** A module load that resolves when the test says so, counting its calls. */
function deferredModule(): { load: () => Promise<{ default: typeof Tab }>; release: () => void; calls: () => number } {
  let release = (): void => undefined;
  let calls = 0;
  const ready = new Promise<void>((resolve) => (release = resolve));
  return { load: () => ((calls += 1), ready.then(() => ({ default: Tab }))), release: () => release(), calls: () => calls };
}

describe('preloadable', () => {
  it('renders a preloaded component in the first commit, without a fallback', async () => {
    const module = deferredModule();
    const tab = preloadable(module.load);
    const preloaded = tab.preload();
    module.release();
    await preloaded;
    render(
      <Suspense fallback={<p>loading</p>}>
        <tab.Component label="graph" />
      </Suspense>,
    );
    expect(screen.queryByText('loading')).toBeNull();
    expect(screen.getByText('tab graph')).toBeTruthy();
    expect(module.calls()).toBe(1);
  });

  it('suspends while the chunk loads when it was not preloaded, and loads it once', async () => {
    const module = deferredModule();
    const tab = preloadable(module.load);
    render(
      <Suspense fallback={<p>loading</p>}>
        <tab.Component label="timeline" />
      </Suspense>,
    );
    expect(screen.getByText('loading')).toBeTruthy();
    void tab.preload(); // a loader asking while the render waits shares the same load
    await act(async () => {
      module.release();
      await tab.preload();
    });
    expect(await screen.findByText('tab timeline')).toBeTruthy();
    expect(module.calls()).toBe(1);
  });
});
