import { useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import type { FormEvent, ReactElement } from 'react';
import { UnauthorizedError, api, setApiKey } from '../api/client.js';
import { restartEvents } from '../api/event-stream.js';
import { useTitle } from '../lib/use-title.js';

/** Asks for the server's API key once per browser tab (kept in session storage). */
export function LoginPage(): ReactElement {
  useTitle('Sign in');
  const search = useSearch({ from: '/login' });
  const navigate = useNavigate();
  const [key, setKey] = useState('');
  const [reason, setReason] = useState(search.reason ?? '');
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setApiKey(key.trim());
    try {
      await api('/v1/flows');
      restartEvents();
      await navigate({ to: search.redirect ?? '/' });
    } catch (error) {
      setApiKey('');
      // The server's own message tells a command-line client which variable to set; a person here types the key.
      setReason(error instanceof UnauthorizedError ? "The API key is wrong: enter the value of the server's WEFT_SERVER_API_KEY." : error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="login">
      <h1>Sign in to Weft</h1>
      <p>This server needs its API key (WEFT_SERVER_API_KEY). It is kept in this tab only.</p>
      {reason === '' ? null : (
        <p className="error" role="alert">
          {reason}
        </p>
      )}
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor="api-key">API key</label>
        <input id="api-key" type="password" autoComplete="current-password" value={key} onChange={(e) => setKey(e.target.value)} required />
        <button type="submit" className="primary" disabled={busy || key.trim() === ''}>
          Sign in
        </button>
      </form>
    </section>
  );
}
