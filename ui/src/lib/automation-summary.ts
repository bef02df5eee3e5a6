// One line of words for an automation's trigger and actions (the API gives them as JSON).

const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/** `45 s`, `10 min`, `1 h`, `2 d`. */
export function formatSeconds(seconds: number): string {
  if (seconds % 86_400 === 0 && seconds >= 86_400) return `${seconds / 86_400} d`;
  if (seconds % 3600 === 0 && seconds >= 3600) return `${seconds / 3600} h`;
  if (seconds % 60 === 0 && seconds >= 60) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/**
 * A trigger in words.
 * @example
 * triggerSummary({ type: 'event', expect: ['weft.flow-run.Failed'], threshold: 3, within: 600 }); // '3 × weft.flow-run.Failed within 10 min'
 */
export function triggerSummary(trigger: unknown): string {
  const t = record(trigger);
  if (t['type'] === 'compound') {
    const n = Array.isArray(t['triggers']) ? t['triggers'].length : 0;
    const within = typeof t['within'] === 'number' && t['within'] > 0 ? ` within ${formatSeconds(t['within'])}` : '';
    const require = typeof t['require'] === 'number' || typeof t['require'] === 'string' ? t['require'] : 'all';
    return `${require} of ${n} triggers${within}`;
  }
  const expect = strings(t['expect']).join(', ');
  const within = typeof t['within'] === 'number' ? t['within'] : 0;
  const threshold = typeof t['threshold'] === 'number' ? t['threshold'] : 1;
  if (t['posture'] === 'Proactive') return `${strings(t['after']).join(', ')} without ${expect} within ${formatSeconds(within)}`;
  return `${threshold > 1 ? `${threshold} × ` : ''}${expect}${within > 0 ? ` within ${formatSeconds(within)}` : ''}`;
}

/** The actions' types, e.g. `slack, run-deployment`. */
export function actionsSummary(actions: readonly unknown[]): string {
  return actions.map((a) => {
    const type = record(a)['type'];
    return typeof type === 'string' ? type : '?';
  }).join(', ');
}
