// The Secrets page: every secret's name and when it was set, never a value (the API returns none).
// A value can be set (create, or replace) and a secret deleted (confirmed); the value field is
// write-only: a password input, cleared once the server took it, never read back.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { FormEvent, ReactElement } from 'react';
import type { SecretInfo } from '../../../src/store/secrets.js';
import { ApiError, api } from '../api/client.js';
import { Empty, ErrorMessage } from '../components/messages.js';
import { formatTime } from '../lib/format.js';
import { useTitle } from '../lib/use-title.js';

/** Longest name the form takes (the server's bound: it answers 400 beyond). */
const MAX_NAME_LENGTH = 100;
/** Longest value the form takes, in characters (the server bounds its UTF-8 bytes to 64 KiB). */
const MAX_VALUE_LENGTH = 64 * 1024;

/** Secrets by name, with a form to set one and a confirmed delete. */
export function SecretsPage(): ReactElement {
  useTitle('Secrets');
  const client = useQueryClient();
  const secrets = useQuery({ queryKey: ['secrets'], queryFn: () => api<SecretInfo[]>('/v1/secrets'), refetchInterval: 10_000, retry: false });
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [outcome, setOutcome] = useState('');
  const [confirming, setConfirming] = useState<string | undefined>();
  const save = useMutation({
    mutationFn: ({ name: secretName, value: secretValue }: { name: string; value: string }) =>
      api<SecretInfo>(`/v1/secrets/${encodeURIComponent(secretName)}`, { method: 'PUT', body: JSON.stringify({ value: secretValue }) }),
    onSuccess: (saved) => {
      setOutcome(`Saved secret ${saved.name}.`);
      setName('');
      setValue('');
    },
    onError: (error) => setOutcome(error instanceof Error ? error.message : String(error)),
    onSettled: () => void client.invalidateQueries({ queryKey: ['secrets'] }),
  });
  const remove = useMutation({
    mutationFn: async (secretName: string) => {
      await api(`/v1/secrets/${encodeURIComponent(secretName)}`, { method: 'DELETE' });
      return secretName;
    },
    onSuccess: (secretName) => {
      setOutcome(`Deleted secret ${secretName}.`);
      setConfirming(undefined);
    },
    onError: (error) => setOutcome(error instanceof Error ? error.message : String(error)),
    onSettled: () => void client.invalidateQueries({ queryKey: ['secrets'] }),
  });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    save.mutate({ name: name.trim(), value });
  };
  if (secrets.error instanceof ApiError && secrets.error.status === 404) {
    return (
      <section>
        <h1>Secrets</h1>
        <Empty>This server keeps no secrets: it was started without a secrets key. See “Variables and secrets” in the README.</Empty>
      </section>
    );
  }
  return (
    <section>
      <h1>Secrets</h1>
      <p className="muted">
        Encrypted values a run reads with <code>await secret('NAME')</code>; they are masked as <code>***</code> in logs. Values are write-only: nobody can read one back here.
      </p>
      <form className="schedule-form" aria-label="Set a secret" onSubmit={submit}>
        <h3>Set a secret</h3>
        <label>
          Name
          <input value={name} required maxLength={MAX_NAME_LENGTH} pattern="[A-Za-z0-9][A-Za-z0-9_.\-]*" title="Letters, digits and _ - . (starting with a letter or digit)" autoComplete="off" spellCheck={false} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Value
          <input type="password" value={value} required maxLength={MAX_VALUE_LENGTH} autoComplete="new-password" onChange={(e) => setValue(e.target.value)} />
        </label>
        <div className="toolbar">
          <button type="submit" disabled={save.isPending}>Save</button>
          {outcome === '' ? null : <span role="status">{outcome}</span>}
        </div>
      </form>
      {confirming === undefined ? null : (
        <div className="confirm" role="dialog" aria-modal="false" aria-labelledby="confirm-secret">
          <p id="confirm-secret">Delete secret {confirming}? Runs that read it will fail.</p>
          <button type="button" className="danger" disabled={remove.isPending} onClick={() => remove.mutate(confirming)}>Yes, delete</button>
          <button type="button" onClick={() => setConfirming(undefined)}>No</button>
        </div>
      )}
      {secrets.error ? <ErrorMessage error={secrets.error} /> : null}
      {secrets.data === undefined ? (secrets.error ? null : <p className="muted">Loading…</p>) : secrets.data.length === 0 ? (
        <Empty>No secrets yet. Set one above, or with <code>weft secrets set NAME</code> (the value from stdin).</Empty>
      ) : (
        <table>
          <thead><tr><th scope="col">Name</th><th scope="col">Value</th><th scope="col">Created</th><th scope="col">Updated</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {secrets.data.map((s) => (
              <tr key={s.name}>
                <td><code>{s.name}</code></td>
                <td className="muted">hidden</td>
                <td>{formatTime(s.createdAt)}</td>
                <td>{formatTime(s.updatedAt)}</td>
                <td>
                  <button type="button" onClick={() => { setName(s.name); setValue(''); setOutcome(`Enter a new value for ${s.name}.`); }}>Replace value</button>{' '}
                  <button type="button" className="danger" onClick={() => setConfirming(s.name)}>Delete</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
