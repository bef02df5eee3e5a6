// The Resume form of a paused flow run: built from the JSON Schema of the pause's input (from its
// zod schema: a checkbox per boolean, a number field per number, a list per enum, a text field
// per string, JSON for anything else), with the schema's defaults; a Reject button with a reason.
// The server checks the input (a 422 names the field; the run stays paused).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { FormEvent, ReactElement } from 'react';
import type { z } from 'zod';
import type { pauseSchema } from '../../../../src/server/routes/pauses.js';
import { api } from '../../api/client.js';
import type { FlowRun } from '../../api/types.js';

/** A pause as the API shows it. */
export type Pause = z.infer<typeof pauseSchema>;

interface FieldSchema {
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly default?: unknown;
  readonly description?: string;
}

type Kind = 'boolean' | 'number' | 'integer' | 'enum' | 'string' | 'json';

function kindOf(field: FieldSchema): Kind {
  if (Array.isArray(field.enum) && field.enum.every((v) => typeof v === 'string')) return 'enum';
  const types: readonly string[] = typeof field.type === 'string' ? [field.type] : (field.type ?? []);
  const type = types.find((t) => t !== 'null');
  if (type === 'boolean' || type === 'number' || type === 'integer' || type === 'string') return type;
  return 'json';
}

/** The form's text for a field's default (or empty). */
function initial(field: FieldSchema, kind: Kind): string {
  if (field.default === undefined) return kind === 'boolean' ? 'false' : '';
  return kind === 'json' || kind === 'boolean' || kind === 'number' || kind === 'integer' ? JSON.stringify(field.default) : typeof field.default === 'string' ? field.default : JSON.stringify(field.default);
}

/** The input a field's text stands for; undefined leaves it out (the schema's default applies). */
function valueOf(text: string, kind: Kind): unknown {
  if (kind === 'boolean') return text === 'true';
  if (text.trim() === '') return undefined;
  if (kind === 'number' || kind === 'integer') return Number(text);
  if (kind === 'json') {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text; // sent as text: the server says what it expected
    }
  }
  return text;
}

/** What the form sends: `{ input }` (or `{}` without a schema) to resume, `{ reject }` to reject; resolves with the pause as it is then. */
export type PauseResolutionSender = (body: Record<string, unknown>) => Promise<Pause>;

/**
 * The Resume form of a waiting pause, generated from its input schema, with Reject and a reason;
 * `sendResolution` takes the body to the server (the run's resume route, or a signed link's).
 */
export function PauseForm({ pause, sendResolution, onResolved, resumeLabel = 'Resume' }: { readonly pause: Pause; readonly sendResolution: PauseResolutionSender; readonly onResolved?: (pause: Pause) => void; readonly resumeLabel?: string }): ReactElement {
  const properties = (pause.inputSchema?.properties ?? {}) as Record<string, FieldSchema>;
  const required = new Set((pause.inputSchema?.required ?? []) as string[]);
  const fields = Object.entries(properties).map(([name, field]) => ({ name, field, kind: kindOf(field) }));
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(fields.map((f) => [f.name, initial(f.field, f.kind)])));
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState('');
  const send = useMutation({
    mutationFn: sendResolution,
    onSuccess: (resolved) => {
      setProblem('');
      onResolved?.(resolved);
    },
    onError: (error) => setProblem(error instanceof Error ? error.message : String(error)),
  });
  const resume = (event: FormEvent): void => {
    event.preventDefault();
    const input: Record<string, unknown> = {};
    for (const { name, kind } of fields) {
      const value = valueOf(values[name] ?? '', kind);
      if (value !== undefined) input[name] = value;
    }
    send.mutate(pause.inputSchema === null ? {} : { input });
  };
  const set = (name: string, text: string): void => setValues((prev) => ({ ...prev, [name]: text }));
  return (
    <form className="pause-form" aria-label="Resume the paused run" onSubmit={resume}>
      <h2>Waiting for input</h2>
      <p>{pause.description ?? `Pause '${pause.key}' waits to be resumed.`}</p>
      <p className="muted">
        Pause <code>{pause.key}</code>
        {pause.suspended ? ' (suspended: an agent runs the flow again once resumed)' : ''}
        {pause.timeoutAt === null ? '' : ` · times out ${new Date(pause.timeoutAt).toLocaleString()}`}
      </p>
      {fields.map(({ name, field, kind }) => (
        <label key={name} className="pause-field">
          <span>
            {name}
            {required.has(name) && field.default === undefined ? ' *' : ''}
          </span>
          {kind === 'boolean' ? (
            <input type="checkbox" name={name} checked={values[name] === 'true'} onChange={(e) => set(name, String(e.target.checked))} />
          ) : kind === 'enum' ? (
            <select name={name} value={values[name] ?? ''} onChange={(e) => set(name, e.target.value)}>
              <option value="">—</option>
              {(field.enum as string[]).map((v) => (
                <option key={v} value={v}>{v}</option>
              ))}
            </select>
          ) : kind === 'json' ? (
            <textarea name={name} rows={3} value={values[name] ?? ''} onChange={(e) => set(name, e.target.value)} placeholder="JSON" />
          ) : (
            <input type={kind === 'string' ? 'text' : 'number'} step={kind === 'integer' ? 1 : 'any'} name={name} value={values[name] ?? ''} onChange={(e) => set(name, e.target.value)} />
          )}
          {field.description ? <small className="muted">{field.description}</small> : null}
        </label>
      ))}
      <div className="toolbar">
        <button type="submit" className="primary" disabled={send.isPending}>{resumeLabel}</button>
        <input type="text" aria-label="Reason to reject" placeholder="Reason to reject" value={reason} maxLength={2000} onChange={(e) => setReason(e.target.value)} />
        <button type="button" className="danger" disabled={send.isPending || reason.trim() === ''} onClick={() => send.mutate({ reject: reason })}>Reject</button>
      </div>
      {problem === '' ? null : <p className="error" role="alert">{problem}</p>}
    </form>
  );
}

/** On a PAUSED run's page: the Resume form of the pause it waits on (nothing otherwise). */
export function PausePanel({ run }: { readonly run: FlowRun }): ReactElement | null {
  const paused = run.state.type === 'PAUSED';
  const pauses = useQuery({ queryKey: ['pauses', run.id, run.state.timestamp], queryFn: () => api<Pause[]>(`/v1/flow-runs/${encodeURIComponent(run.id)}/pauses`), enabled: paused });
  const waiting = pauses.data?.find((p) => p.status === 'waiting');
  const client = useQueryClient();
  if (!paused || waiting === undefined) return null;
  const sendResolution: PauseResolutionSender = (body) => api<Pause>(`/v1/flow-runs/${encodeURIComponent(run.id)}/resume`, { method: 'POST', body: JSON.stringify({ key: waiting.key, ...body }) });
  const onResolved = (): void => {
    void client.invalidateQueries({ queryKey: ['flow-run', run.id] });
    void client.invalidateQueries({ queryKey: ['pauses', run.id] });
  };
  return <PauseForm key={waiting.id} pause={waiting} sendResolution={sendResolution} onResolved={onResolved} />;
}
