// The create form's starting points: whole automation definitions that fill its JSON editor.
// Secret values are `{ "secret": NAME }` references, read by the server at send time.

/** A starting point of the create form. */
export interface AutomationTemplate {
  readonly label: string;
  readonly description: string;
  readonly definition: Readonly<Record<string, unknown>>;
}

/** The templates the create form offers, in order. */
export const AUTOMATION_TEMPLATES: readonly AutomationTemplate[] = [
  {
    label: 'Notify on failure',
    description: 'A Slack message for every flow run that fails or crashes (tagged prod).',
    definition: {
      name: 'prod failures to Slack',
      description: 'Every failed or crashed prod run, with its error and link.',
      trigger: { type: 'event', expect: ['weft.flow-run.Failed', 'weft.flow-run.Crashed'], matchRelated: { 'weft.resource.id': 'weft.tag.prod' }, threshold: 1, within: 0 },
      actions: [{ type: 'slack', url: { secret: 'SLACK_URL' } }],
    },
  },
  {
    label: 'Run stays Running too long',
    description: 'A webhook call when a run has not finished an hour after it started.',
    definition: {
      name: 'runs over an hour',
      description: 'Running, but neither Completed, Failed, Crashed nor Cancelled within an hour.',
      trigger: {
        type: 'event',
        posture: 'Proactive',
        after: ['weft.flow-run.Running'],
        expect: ['weft.flow-run.Completed', 'weft.flow-run.Failed', 'weft.flow-run.Crashed', 'weft.flow-run.Cancelled'],
        forEach: ['weft.resource.id'],
        threshold: 1,
        within: 3600,
      },
      actions: [{ type: 'webhook', url: { secret: 'ALERT_WEBHOOK_URL' }, method: 'POST', body: '{"text": {{ "Run " | append: flow_run.name | append: " is still running: " | append: flow_run_url | json }}}' }],
    },
  },
  {
    label: 'N failures in a window',
    description: 'One email when 3 flow runs fail within 10 minutes.',
    definition: {
      name: 'three failures in ten minutes',
      description: '',
      trigger: { type: 'event', expect: ['weft.flow-run.Failed'], threshold: 3, within: 600 },
      actions: [{ type: 'email', smtp: 'smtp://alerts@smtp.example.com:587', password: { secret: 'SMTP_PASSWORD' }, from: 'weft@example.com', to: ['oncall@example.com'], subject: '3 failed runs in 10 min, the last {{ flow_run.name }}' }],
    },
  },
];

/** A template's definition as the editor shows it. */
export function templateText(template: AutomationTemplate): string {
  return JSON.stringify(template.definition, null, 2);
}
