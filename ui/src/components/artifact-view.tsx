// One artifact, drawn by type: markdown rendered safely, a table with a "Download CSV" link, a
// link, or a progress bar.
import { Link } from '@tanstack/react-router';
import { useMemo } from 'react';
import type { ReactElement } from 'react';
import type { Artifact, TableData } from '../../../src/store/artifacts.js';
import { toCsv } from '../lib/csv.js';
import { formatTime } from '../lib/format.js';
import { Markdown } from '../lib/markdown.js';

/** Most rows drawn; the CSV has them all. */
const SHOWN_ROWS = 500;

function TableView({ table, name }: { readonly table: TableData; readonly name: string }): ReactElement {
  const href = useMemo(() => `data:text/csv;charset=utf-8,${encodeURIComponent(toCsv(table))}`, [table]);
  return (
    <div>
      <p>
        <a href={href} download={`${name}.csv`}>Download CSV</a> <span className="muted">{table.rows.length} rows × {table.columns.length} columns</span>
      </p>
      <div className="table-scroll" tabIndex={0} role="region" aria-label={`Table ${name}`}>
        <table>
          <thead><tr>{table.columns.map((c, i) => <th key={i} scope="col">{c}</th>)}</tr></thead>
          <tbody>
            {table.rows.slice(0, SHOWN_ROWS).map((row, r) => (
              <tr key={r}>{row.map((cell, i) => <td key={i} className={typeof cell === 'number' ? 'num' : undefined}>{cell === null ? <span className="muted">null</span> : String(cell)}</td>)}</tr>
            ))}
          </tbody>
        </table>
      </div>
      {table.rows.length > SHOWN_ROWS ? <p className="muted">The first {SHOWN_ROWS} rows are shown; the CSV has all {table.rows.length}.</p> : null}
    </div>
  );
}

/** A progress bar (0–100). */
export function ProgressBar({ value, label }: { readonly value: number; readonly label: string }): ReactElement {
  return (
    <div className="progress-row">
      <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(value)} aria-label={label}>
        <div className="progress-fill" style={{ width: `${value}%` }} />
      </div>
      <span className="progress-text">{value.toFixed(0)}%</span>
    </div>
  );
}

/** An artifact's content. */
export function ArtifactContentView({ artifact }: { readonly artifact: Artifact }): ReactElement {
  const name = artifact.key ?? artifact.id.slice(0, 8);
  switch (artifact.type) {
    case 'markdown':
      return <Markdown text={artifact.data} />;
    case 'table':
      return <TableView table={artifact.data} name={name} />;
    case 'link':
      return /^https?:\/\//i.test(artifact.data.url) ? (
        <a href={artifact.data.url} target="_blank" rel="noopener noreferrer nofollow">{artifact.data.text ?? artifact.data.url}</a>
      ) : (
        <code>{artifact.data.url}</code>
      );
    case 'progress':
      return <ProgressBar value={artifact.data} label={`Progress of ${name}`} />;
  }
}

/** An artifact as a card: its key (a link to the key's page), type, time, description and content. */
export function ArtifactCard({ artifact, showRun = false }: { readonly artifact: Artifact; readonly showRun?: boolean }): ReactElement {
  return (
    <article className="card artifact" aria-label={`Artifact ${artifact.key ?? artifact.id.slice(0, 8)}`}>
      <header className="artifact-head">
        {artifact.key === null ? <strong>{artifact.type}</strong> : <Link to="/artifacts/$key" params={{ key: artifact.key }}>{artifact.key}</Link>}
        <span className="tag">{artifact.type}</span>
        <span className="muted">{formatTime(artifact.updatedAt)}</span>
        {showRun && artifact.flowRunId !== null ? <Link to="/runs/$id" params={{ id: artifact.flowRunId }}>run {artifact.flowRunId.slice(0, 8)}</Link> : null}
      </header>
      {artifact.description === null ? null : <div className="muted"><Markdown text={artifact.description} /></div>}
      <ArtifactContentView artifact={artifact} />
    </article>
  );
}
