import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import type { FormEvent, ReactElement } from 'react';
import { ApiError, api } from '../api/client.js';
import type { ApiIssue } from '../api/client.js';
import type { Automation } from '../api/automation-types.js';
import { AUTOMATION_TEMPLATES, templateText } from '../lib/automation-templates.js';
import { useTitle } from '../lib/use-title.js';

/** Longest definition the editor sends, in characters (the server bounds each field further). */
const MAX_DEFINITION = 200_000;

/**
 * A new automation: a template fills the JSON editor with a whole definition; the server checks
 * it, and its refusals (422) are listed by field.
 */
export function AutomationNewPage(): ReactElement {
  useTitle('New automation');
  const client = useQueryClient();
  const navigate = useNavigate();
  const first = AUTOMATION_TEMPLATES[0];
  const [chosen, setChosen] = useState(first?.label ?? '');
  const [text, setText] = useState(first === undefined ? '{}' : templateText(first));
  const [problem, setProblem] = useState('');
  const [issues, setIssues] = useState<readonly ApiIssue[]>([]);
  const create = useMutation({
    mutationFn: (definition: unknown) => api<Automation>('/v1/automations', { method: 'POST', body: JSON.stringify(definition) }),
    onSuccess: (created) => {
      void client.invalidateQueries({ queryKey: ['automations'] });
      void navigate({ to: '/automations/$id', params: { id: created.id } });
    },
    onError: (error) => {
      setProblem(`Not created: ${error instanceof Error ? error.message : String(error)}`);
      setIssues(error instanceof ApiError ? error.issues : []);
    },
  });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setIssues([]);
    if (text.length > MAX_DEFINITION) {
      setProblem(`Not created: the definition is ${text.length} characters, more than ${MAX_DEFINITION}.`);
      return;
    }
    let definition: unknown;
    try {
      definition = JSON.parse(text);
    } catch (error) {
      setProblem(`Not created: the definition is not JSON (${error instanceof Error ? error.message : String(error)}).`);
      return;
    }
    setProblem('');
    create.mutate(definition);
  };
  return (
    <section>
      <p className="crumbs">
        <Link to="/automations">Automations</Link>
      </p>
      <h1>New automation</h1>
      <div className="toolbar" role="group" aria-label="Templates">
        {AUTOMATION_TEMPLATES.map((t) => (
          <button
            key={t.label}
            type="button"
            aria-pressed={t.label === chosen}
            title={t.description}
            onClick={() => {
              setChosen(t.label);
              setText(templateText(t));
              setProblem('');
              setIssues([]);
            }}
          >
            {t.label}
          </button>
        ))}
      </div>
      <p className="muted">
        {AUTOMATION_TEMPLATES.find((t) => t.label === chosen)?.description ?? 'Your own definition.'} Secret values are <code>{'{ "secret": "NAME" }'}</code> references to the server&apos;s secrets (<code>weft secrets set NAME</code>); see the README&apos;s &ldquo;Events, automations and notifications&rdquo; for every trigger, action and template variable.
      </p>
      <form className="run-form" aria-label="New automation" onSubmit={submit} noValidate>
        <div className={`form-field${issues.length > 0 || problem !== '' ? ' invalid' : ''}`}>
          <label htmlFor="automation-definition">Definition (JSON)</label>
          <textarea
            id="automation-definition"
            className="definition"
            value={text}
            rows={22}
            spellCheck={false}
            maxLength={MAX_DEFINITION}
            aria-invalid={issues.length > 0 || problem !== ''}
            aria-describedby={problem === '' ? undefined : 'automation-problem'}
            onChange={(e) => {
              setText(e.target.value);
              setChosen('');
            }}
          />
        </div>
        {problem === '' ? null : (
          <div className="error" role="alert" id="automation-problem">
            <p>{problem}</p>
            {issues.length === 0 ? null : (
              <ul className="issues">
                {issues.map((i) => (
                  <li key={`${i.field}:${i.reason}`}>
                    <code className="field-error">{i.field}</code>: {i.reason}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        <div className="toolbar">
          <button type="submit" className="primary" disabled={create.isPending}>Create automation</button>
          <Link to="/automations">Cancel</Link>
        </div>
      </form>
    </section>
  );
}
