/**
 * Message templates of automations (issue 17), in Liquid (liquidjs: no code execution, bounded
 * loops and output). The variables are documented in the README and fixed: a template that names
 * any other is refused when the automation is saved, since it renders against a sample of every
 * variable with `strictVariables`.
 *
 * Variables: `flow_run` (id, name, state, state_name, message, error, parameters, tags, start,
 * duration, resume_url: a signed single-use link to approve or reject the run's waiting pause, empty
 * unless the run is paused), `flow` (name), `deployment` (id, name; empty when the run has none), `event` (event,
 * occurred, resource, payload), `automation` (id, name), `flow_run_url`.
 */
import { createRequire } from 'node:module';
import type * as LiquidJs from 'liquidjs';
import type { Liquid } from 'liquidjs';

type LiquidModule = typeof LiquidJs;

/** What a template renders against. */
export interface TemplateContext {
  readonly flow_run: {
    readonly id: string;
    readonly name: string;
    readonly state: string;
    readonly state_name: string;
    readonly message: string;
    readonly error: string;
    readonly parameters: Readonly<Record<string, unknown>>;
    readonly tags: readonly string[];
    readonly start: string;
    readonly duration: string;
    /** The page of a signed, single-use link that resumes or rejects the run's waiting pause; '' when it waits on none. */
    readonly resume_url: string;
  };
  readonly flow: { readonly name: string };
  readonly deployment: { readonly id: string; readonly name: string };
  readonly event: { readonly event: string; readonly occurred: string; readonly resource: Readonly<Record<string, string>>; readonly payload: Readonly<Record<string, unknown>> };
  readonly automation: { readonly id: string; readonly name: string };
  readonly flow_run_url: string;
}

/**
 * The Liquid engine and the save-time sample context, made on first use: liquidjs is one large
 * CommonJS file, and every `import 'weft'` (a `weft run`) would otherwise pay for loading it
 * (issue 13 §2). liquidjs has no `exports` map, so `require` gives the same module an import would.
 */
let engine: { readonly liquid: Liquid; readonly sample: TemplateContext } | undefined;

function liquidEngine(): { readonly liquid: Liquid; readonly sample: TemplateContext } {
  if (engine) return engine;
  const { Drop, Liquid: LiquidEngine } = createRequire(import.meta.url)('liquidjs') as LiquidModule;
  /**
   * Stands, at save time, for a map whose keys are the user's own (a run's parameters, an event's
   * payload and resource labels): any field of it may be named, at any depth. A field that is
   * missing when the notification is sent fails that action with the reason.
   */
  class AnyFields extends Drop {
    override liquidMethodMissing(): AnyFields {
      return new AnyFields();
    }

    override valueOf(): string {
      return '';
    }
  }
  const anyFields = new AnyFields() as unknown as Readonly<Record<string, never>>;
  /** A context with every variable, for checking templates at save time. */
  const sample: TemplateContext = {
    flow_run: { id: 'id', name: 'name', state: 'FAILED', state_name: 'Failed', message: 'm', error: 'e', parameters: anyFields, tags: [], start: '', duration: '', resume_url: 'http://localhost/resume/token' },
    flow: { name: 'flow' },
    deployment: { id: '', name: '' },
    event: { event: 'weft.flow-run.Failed', occurred: '', resource: anyFields, payload: anyFields },
    automation: { id: '', name: '' },
    flow_run_url: 'http://localhost/runs/id',
  };
  const liquid = new LiquidEngine({
    strictVariables: true,
    strictFilters: true,
    ownPropertyOnly: true,
    // Bounds: templates are small and render small messages.
    parseLimit: 20_000,
    renderLimit: 200,
    memoryLimit: 1_000_000,
  });
  engine = { liquid, sample };
  return engine;
}

/** The default notification message: flow, run, state, error, deployment and the run's link. */
export const DEFAULT_MESSAGE =
  'Flow run {{ flow.name }}/{{ flow_run.name }} entered state {{ flow_run.state_name }}{% if flow_run.message != "" %}: {{ flow_run.message }}{% endif %}' +
  '{% if flow_run.error != "" %}\n{{ flow_run.error }}{% endif %}' + // the error reads 'Name: message' already
  '{% if deployment.name != "" %}\nDeployment: {{ deployment.name }}{% endif %}' +
  '\n{{ flow_run_url }}';

/** The default email subject. */
export const DEFAULT_SUBJECT = 'Weft: flow run {{ flow_run.name }} of {{ flow.name }} is {{ flow_run.state_name }}';

/** Why `template` is refused (it does not parse, or names an unknown variable or filter), or undefined. */
export function checkTemplate(template: string): string | undefined {
  try {
    const { liquid, sample } = liquidEngine();
    liquid.parseAndRenderSync(template, sample);
    return undefined;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return `the template is refused (${why}); the variables are flow_run, flow, deployment, event, automation and flow_run_url`;
  }
}

/**
 * Renders `template` against `context`.
 * @throws Error when it fails at send time (the action is recorded as failed with the reason).
 * @example
 * render('{{ flow.name }} failed', context);
 */
export function render(template: string, context: TemplateContext): Promise<string> {
  return liquidEngine().liquid.parseAndRender(template, context) as Promise<string>;
}
