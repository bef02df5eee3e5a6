// The page of an artifact key: its latest version in full, and its history (each version with the
// run that published it). Refreshes every 5 s, so a new version or a moving progress bar shows.
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import type { ReactElement } from 'react';
import type { Artifact } from '../../../src/store/artifacts.js';
import { api } from '../api/client.js';
import { ArtifactCard } from '../components/artifact-view.js';
import { Empty, ErrorMessage } from '../components/messages.js';
import { formatTime } from '../lib/format.js';
import { useTitle } from '../lib/use-title.js';

/** Versions of one key, newest first. */
export function ArtifactKeyPage(): ReactElement {
  const { key } = useParams({ from: '/artifacts/$key' });
  useTitle(`Artifact ${key}`);
  const versions = useQuery({
    queryKey: ['artifacts', 'key', key],
    queryFn: () => api<Artifact[]>(`/v1/artifacts?key=${encodeURIComponent(key)}&limit=100`),
    refetchInterval: 5_000,
  });
  if (versions.error) return <ErrorMessage error={versions.error} />;
  if (versions.data === undefined) return <p className="muted">Loading…</p>;
  const [latest, ...older] = versions.data;
  return (
    <section>
      <p className="crumbs">Artifacts / {key}</p>
      <h1>{key}</h1>
      {latest === undefined ? (
        <Empty>No artifact has the key <code>{key}</code> yet.</Empty>
      ) : (
        <>
          <h2>Latest</h2>
          <ArtifactCard artifact={latest} showRun />
          <h2>History ({versions.data.length}{versions.data.length === 100 ? '+' : ''} versions)</h2>
          <table>
            <thead><tr><th scope="col">Version</th><th scope="col">Created</th><th scope="col">Flow run</th><th scope="col">Task run</th></tr></thead>
            <tbody>
              {versions.data.map((a, i) => (
                <tr key={a.id}>
                  <td>{i === 0 ? 'latest' : `-${i}`}</td>
                  <td>{formatTime(a.createdAt)}</td>
                  <td>{a.flowRunId === null ? '—' : <Link to="/runs/$id" params={{ id: a.flowRunId }} search={{ tab: 'artifacts' }}>{a.flowRunId.slice(0, 8)}</Link>}</td>
                  <td>{a.taskRunId === null ? '—' : <Link to="/task-runs/$id" params={{ id: a.taskRunId }}>{a.taskRunId.slice(0, 8)}</Link>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {older.length > 0 ? (
            <details>
              <summary>Older versions in full</summary>
              {older.slice(0, 20).map((a) => <ArtifactCard key={a.id} artifact={a} showRun />)}
            </details>
          ) : null}
        </>
      )}
    </section>
  );
}
