// A list that renders only the rows in view (fixed row height), so 100 000 log lines are a few
// dozen DOM nodes. With `follow`, it stays scrolled to the bottom as rows arrive.
import { useEffect, useRef, useState } from 'react';
import type { ReactElement, ReactNode } from 'react';

/** Props of `VirtualList`. */
export interface VirtualListProps<T> {
  readonly items: readonly T[];
  readonly rowHeight: number;
  readonly height: number;
  readonly follow: boolean;
  readonly label: string;
  readonly render: (item: T, index: number) => ReactNode;
  /** Called when the user scrolls away from the bottom (following stops). */
  readonly onScrollAway?: () => void;
}

/** The rows in view of `items`, plus a few above and below. */
export function visibleRange(count: number, scrollTop: number, height: number, rowHeight: number, overscan = 10): { first: number; last: number } {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  return { first, last };
}

/** A virtualized, keyboard-scrollable list. */
export function VirtualList<T>({ items, rowHeight, height, follow, label, render, onScrollAway }: VirtualListProps<T>): ReactElement {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  useEffect(() => {
    const element = box.current;
    if (follow && element !== null) element.scrollTop = element.scrollHeight;
  }, [follow, items.length]);
  const { first, last } = visibleRange(items.length, scrollTop, height, rowHeight);
  return (
    <div
      ref={box}
      className="virtual"
      style={{ height, overflowY: 'auto' }}
      tabIndex={0}
      role="log"
      aria-label={label}
      onScroll={(e) => {
        const element = e.currentTarget;
        setScrollTop(element.scrollTop);
        if (follow && element.scrollTop + element.clientHeight < element.scrollHeight - rowHeight * 2) onScrollAway?.();
      }}
    >
      <div style={{ height: items.length * rowHeight, position: 'relative' }}>
        {items.slice(first, last).map((item, i) => (
          <div key={first + i} className="row" style={{ position: 'absolute', top: (first + i) * rowHeight, height: rowHeight, left: 0, right: 0 }}>
            {render(item, first + i)}
          </div>
        ))}
      </div>
    </div>
  );
}
