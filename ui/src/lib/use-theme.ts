// The page's theme as the layout sets it (`<html data-theme>`), for components that paint with
// the colours of the moment (uPlot charts draw their axes once): they draw again when it changes.
import { useEffect, useState } from 'react';

/**
 * The current `data-theme` of the document ('light', 'dark', or undefined before the layout sets it).
 * @example
 * const theme = useTheme();
 * useEffect(() => drawChart(), [data, theme]);
 */
export function useTheme(): string | undefined {
  const [theme, setTheme] = useState(document.documentElement.dataset['theme']);
  useEffect(() => {
    const watcher = new MutationObserver(() => setTheme(document.documentElement.dataset['theme']));
    watcher.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => watcher.disconnect();
  }, []);
  return theme;
}
