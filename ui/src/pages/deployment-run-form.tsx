import { useMutation } from '@tanstack/react-query';
import { useId, useMemo, useState } from 'react';
import type { FormEvent, ReactElement } from 'react';
import { ApiError, api } from '../api/client.js';
import type { DeploymentDetail } from '../api/operations-types.js';
import type { FlowRun } from '../api/types.js';
import { KIND_LABELS, checkParameters, initialValues, parameterFields, readForm, serverFieldErrors } from '../lib/parameter-form.js';
import type { FieldErrors, FormValues, ParameterField } from '../lib/parameter-form.js';

/** Largest JSON text the editor sends (the server takes at most 1 MB of parameters). */
const MAX_JSON_CHARS = 1_000_000;

/** One generated field with its label, hint and error. */
function Field({ field, value, error, onChange }: { readonly field: ParameterField; readonly value: string; readonly error: string | undefined; readonly onChange: (value: string) => void }): ReactElement {
  const id = useId();
  const hint = [field.description, field.schemaDefault === undefined ? '' : `default ${JSON.stringify(field.schemaDefault)}`].filter((t) => t !== '').join(' · ');
  const described = [hint === '' ? '' : `${id}-hint`, error === undefined ? '' : `${id}-error`].filter((t) => t !== '').join(' ') || undefined;
  const common = { id, 'aria-invalid': error !== undefined, 'aria-describedby': described, 'aria-required': field.required };
  let input: ReactElement;
  if (field.kind === 'boolean') {
    input = <input type="checkbox" {...common} checked={value === 'true'} onChange={(e) => onChange(e.target.checked ? 'true' : 'false')} />;
  } else if (field.kind === 'enum') {
    input = (
      <select {...common} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{field.required ? 'choose…' : '(flow default)'}</option>
        {field.options.map((o) => (
          <option key={o} value={o}>{o}</option>
        ))}
      </select>
    );
  } else if (field.kind === 'json') {
    input = <textarea {...common} rows={3} maxLength={MAX_JSON_CHARS} value={value} onChange={(e) => onChange(e.target.value)} spellCheck={false} />;
  } else {
    input = <input {...common} type="text" inputMode={field.kind === 'string' ? 'text' : 'decimal'} maxLength={10_000} value={value} onChange={(e) => onChange(e.target.value)} />;
  }
  return (
    <div className={`form-field${error === undefined ? '' : ' invalid'}`}>
      <label htmlFor={id}>
        {field.name}
        {field.required ? <span aria-hidden="true"> *</span> : null} <span className="muted">{KIND_LABELS[field.kind]}</span>
      </label>
      {input}
      {hint === '' ? null : <small id={`${id}-hint`} className="muted">{hint}</small>}
      {error === undefined ? null : <small id={`${id}-error`} className="field-error" role="alert">{error}</small>}
    </div>
  );
}

/**
 * The Custom run form of a deployment: one field per parameter of its schema (or a JSON editor,
 * always available as a fallback), checked here as the server checks it; the server's 422 is
 * shown at the field it names. `onCreated` gets the new run.
 */
export function DeploymentRunForm({ deployment, onCreated, notice }: { readonly deployment: DeploymentDetail; readonly onCreated: (run: FlowRun) => void; readonly notice?: string }): ReactElement {
  const fields = useMemo(() => parameterFields(deployment.parameterSchema, deployment.parameters), [deployment.parameterSchema, deployment.parameters]);
  const [values, setValues] = useState<FormValues>(() => (fields === undefined ? {} : initialValues(fields, deployment.parameters)));
  const [asJson, setAsJson] = useState(fields === undefined);
  const [json, setJson] = useState(() => JSON.stringify(deployment.parameters, null, 2));
  const [errors, setErrors] = useState<FieldErrors>({});
  const jsonId = useId();
  const create = useMutation({
    mutationFn: (parameters: Record<string, unknown>) => api<FlowRun>(`/v1/deployments/${deployment.id}/runs`, { method: 'POST', body: JSON.stringify({ parameters }) }),
    onSuccess: (run) => {
      setErrors({});
      onCreated(run);
    },
    onError: (error) => {
      if (error instanceof ApiError && error.issues.length > 0) setErrors(serverFieldErrors(error.issues, asJson ? [] : (fields ?? []).map((f) => f.name)));
      else setErrors({ '': error instanceof Error ? error.message : String(error) });
    },
  });

  /** The editor's text as a parameters object, or the reason it is not one. */
  const parseJson = (): Record<string, unknown> | string => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (error) {
      return `The parameters are not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'The parameters must be a JSON object, e.g. {"n": 10}.';
    return parsed as Record<string, unknown>;
  };

  /** The parameters the form holds now, and what is wrong with them. */
  const read = (): { parameters: Record<string, unknown>; errors: FieldErrors } => {
    if (!asJson && fields !== undefined) return readForm(deployment.parameterSchema ?? {}, fields, values);
    const parameters = parseJson();
    if (typeof parameters === 'string') return { parameters: {}, errors: { '': parameters } };
    const issues = checkParameters(deployment.parameterSchema, parameters);
    // In the editor every refusal is shown above it, each with its field's name.
    return { parameters, errors: Object.keys(issues).length === 0 ? {} : { '': Object.entries(issues).map(([f, m]) => (f === '' ? m : `${f}: ${m}`)).join('; ') } };
  };

  const switchMode = (): void => {
    if (fields === undefined) return;
    if (asJson) {
      const parameters = parseJson();
      if (typeof parameters === 'string') {
        setErrors({ '': parameters });
        return;
      }
      setValues(initialValues(fields, parameters));
    } else {
      setJson(JSON.stringify(read().parameters, null, 2));
    }
    setErrors({});
    setAsJson(!asJson);
  };

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const { parameters, errors: found } = read();
    setErrors(found);
    if (Object.keys(found).length === 0) create.mutate(parameters);
  };

  return (
    <form className="run-form card" onSubmit={submit} aria-label="Custom run" noValidate>
      <h2>Custom run</h2>
      {notice === undefined ? null : <p className="notice" role="status">{notice}</p>}
      {errors[''] === undefined ? null : <p className="error" role="alert">{errors['']}</p>}
      {asJson || fields === undefined ? (
        <div className="form-field">
          <label htmlFor={jsonId}>Parameters (JSON)</label>
          <textarea id={jsonId} rows={8} maxLength={MAX_JSON_CHARS} value={json} onChange={(e) => setJson(e.target.value)} spellCheck={false} />
          <small className="muted">Merged over the deployment&apos;s defaults{deployment.parameterSchema === null ? '; this deployment stores no schema, so only the flow checks them' : ' and checked against its schema'}.</small>
        </div>
      ) : fields.length === 0 ? (
        <p className="muted">This flow takes no parameters.</p>
      ) : (
        <div className="form-grid">
          {fields.map((field) => (
            <Field key={field.name} field={field} value={values[field.name] ?? ''} error={errors[field.name]} onChange={(v) => setValues({ ...values, [field.name]: v })} />
          ))}
        </div>
      )}
      <div className="toolbar">
        <button type="submit" disabled={create.isPending}>Start run</button>
        {fields === undefined ? null : (
          <button type="button" className="link-button" onClick={switchMode}>
            {asJson ? 'Edit as a form' : 'Edit as JSON'}
          </button>
        )}
      </div>
    </form>
  );
}
