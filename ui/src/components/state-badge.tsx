import type { ReactElement } from 'react';
import type { StateType } from '../api/types.js';

/** Colour variable of a state type (see styles.css). */
export function stateColor(type: string): string {
  return `var(--state-${type.toLowerCase()})`;
}

/** A state's name on its colour. */
export function StateBadge({ type, name }: { readonly type: StateType; readonly name?: string }): ReactElement {
  return (
    <span className={`badge state-${type.toLowerCase()}`} data-state={type}>
      {name ?? type}
    </span>
  );
}

/** Counts by state as small badges: `3 COMPLETED 1 FAILED`. */
export function StateCounts({ counts }: { readonly counts: Readonly<Record<string, number>> | undefined }): ReactElement {
  if (counts === undefined) return <span className="muted">…</span>;
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  if (entries.length === 0) return <span className="muted">none</span>;
  return (
    <span className="counts">
      {entries.map(([type, n]) => (
        <span key={type} className={`count state-${type.toLowerCase()}`} title={`${n} ${type}`}>
          {n} {type.toLowerCase()}
        </span>
      ))}
    </span>
  );
}
