import { useEffect } from 'react';

/** Sets the page title (`<what> · Weft`). */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title === '' ? 'Weft' : `${title} · Weft`;
  }, [title]);
}
