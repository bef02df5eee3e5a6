import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import type { ReactElement } from 'react';
import { api } from '../api/client.js';
import type { DeploymentDetail, ScheduleView } from '../api/operations-types.js';
import { ErrorMessage } from '../components/messages.js';

/** The kinds of schedule the form writes, with what their field holds. */
const KINDS = {
  cron: { label: 'Cron', placeholder: '0 9 * * 1-5', hint: '5 or 6 fields' },
  interval: { label: 'Interval', placeholder: '3600', hint: 'seconds' },
  rrule: { label: 'RRULE', placeholder: 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0', hint: 'RFC 5545' },
} as const;
type Kind = keyof typeof KINDS;
const CATCH_UP = ['none', 'latest', 'all'] as const;

/** The kind of a stored spec (`cron`, `interval` or `rrule`). */
function kindOf(spec: Readonly<Record<string, unknown>> | undefined): Kind {
  if (spec !== undefined && 'interval' in spec) return 'interval';
  if (spec !== undefined && 'rrule' in spec) return 'rrule';
  return 'cron';
}

/** The browser's IANA time zone, the default of a new schedule. */
const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/**
 * Adds a schedule to a deployment (no `schedule`) or changes one (`schedule`), through
 * `POST /deployments/{id}/schedules` or `PATCH …/schedules/{scheduleId}`. The server checks the
 * spec, the time zone and the parameters; its refusal (with the reason and an example) is shown.
 */
export function ScheduleForm({ deployment, schedule, onDone }: { readonly deployment: DeploymentDetail; readonly schedule?: ScheduleView; readonly onDone: () => void }): ReactElement {
  const spec = schedule?.schedule;
  const [kind, setKind] = useState<Kind>(kindOf(spec));
  const stored = spec?.[kindOf(spec)];
  const [value, setValue] = useState(typeof stored === 'string' || typeof stored === 'number' ? String(stored) : '');
  const [timezone, setTimezone] = useState(typeof spec?.timezone === 'string' ? spec.timezone : browserZone());
  const [catchUp, setCatchUp] = useState<(typeof CATCH_UP)[number]>(schedule?.catchUp.policy ?? 'none');
  const [parameters, setParameters] = useState(schedule === undefined || Object.keys(schedule.parameters).length === 0 ? '' : JSON.stringify(schedule.parameters));
  const [problem, setProblem] = useState('');
  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      schedule === undefined
        ? api<ScheduleView>(`/v1/deployments/${deployment.id}/schedules`, { method: 'POST', body: JSON.stringify(body) })
        : api<ScheduleView>(`/v1/deployments/${deployment.id}/schedules/${schedule.id}`, { method: 'PATCH', body: JSON.stringify(body) }),
    onSuccess: onDone,
  });
  const submit = (): void => {
    setProblem('');
    let params: unknown = {};
    if (parameters.trim() !== '') {
      try {
        params = JSON.parse(parameters);
      } catch {
        setProblem('Parameters must be a JSON object, e.g. {"region": "eu"}, or empty.');
        return;
      }
    }
    const text = value.trim();
    // An interval that reads as a number goes as one; anything else goes as typed, for the server to judge.
    const main = kind === 'interval' && text !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
    // Editing the same kind keeps what the form does not show (an interval's anchor date).
    const kept = spec !== undefined && kindOf(spec) === kind ? spec : {};
    const zone = timezone.trim();
    save.mutate({ schedule: { ...kept, [kind]: main, ...(zone === '' ? {} : { timezone: zone }) }, catchUp: { policy: catchUp }, parameters: params });
  };
  const title = schedule === undefined ? 'New schedule' : `Edit schedule: ${schedule.description}`;
  return (
    <form
      className="schedule-form"
      aria-label={title}
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <h3>{title}</h3>
      <label>
        Kind{' '}
        <select value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
          {(Object.keys(KINDS) as Kind[]).map((k) => (
            <option key={k} value={k}>{KINDS[k].label}</option>
          ))}
        </select>
      </label>
      <label>
        {KINDS[kind].label} <span className="muted">({KINDS[kind].hint})</span>{' '}
        <input type="text" value={value} placeholder={KINDS[kind].placeholder} onChange={(e) => setValue(e.target.value)} required maxLength={1000} />
      </label>
      <label>
        Time zone <input type="text" value={timezone} placeholder="Europe/Berlin" onChange={(e) => setTimezone(e.target.value)} maxLength={100} />
      </label>
      <label>
        Catch-up{' '}
        <select value={catchUp} onChange={(e) => setCatchUp(e.target.value as (typeof CATCH_UP)[number])}>
          {CATCH_UP.map((p) => (
            <option key={p} value={p}>{p}</option>
          ))}
        </select>
      </label>
      <label>
        Parameters (JSON, over the deployment's){' '}
        <input type="text" value={parameters} placeholder='{"region": "eu"}' onChange={(e) => setParameters(e.target.value)} maxLength={100_000} />
      </label>
      <div className="toolbar">
        <button type="submit" disabled={save.isPending}>{schedule === undefined ? 'Add schedule' : 'Save schedule'}</button>
        <button type="button" onClick={onDone}>Cancel</button>
      </div>
      {problem === '' ? null : <div className="error" role="alert">{problem}</div>}
      {save.error ? <ErrorMessage error={save.error} /> : null}
    </form>
  );
}
