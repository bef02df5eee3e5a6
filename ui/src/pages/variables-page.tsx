// The Variables page: every variable with its JSON value, tags and last change. Read-only: set
// them with `weft variables set` or the API (values are not secret, so showing them is fine).
import { useQuery } from '@tanstack/react-query';
import type { ReactElement } from 'react';
import type { Variable } from '../../../src/store/variables.js';
import { api } from '../api/client.js';
import { Empty, ErrorMessage } from '../components/messages.js';
import { formatTime } from '../lib/format.js';
import { useTitle } from '../lib/use-title.js';

/** Variables by name. */
export function VariablesPage(): ReactElement {
  useTitle('Variables');
  const variables = useQuery({ queryKey: ['variables'], queryFn: () => api<Variable[]>('/v1/variables'), refetchInterval: 10_000 });
  if (variables.error) return <ErrorMessage error={variables.error} />;
  if (variables.data === undefined) return <p className="muted">Loading…</p>;
  return (
    <section>
      <h1>Variables</h1>
      <p className="muted">Named JSON values for configuration; a deployment parameter <code>{'{ "$variable": "NAME" }'}</code> takes one when its run is created. Set them with <code>weft variables set NAME VALUE</code>.</p>
      {variables.data.length === 0 ? (
        <Empty>No variables yet.</Empty>
      ) : (
        <table>
          <thead><tr><th scope="col">Name</th><th scope="col">Value</th><th scope="col">Tags</th><th scope="col">Updated</th></tr></thead>
          <tbody>
            {variables.data.map((v) => (
              <tr key={v.name}>
                <td><code>{v.name}</code></td>
                <td><code className="value">{JSON.stringify(v.value)}</code></td>
                <td>{v.tags.length === 0 ? '—' : v.tags.map((t) => <span key={t} className="tag">{t}</span>)}</td>
                <td>{formatTime(v.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
