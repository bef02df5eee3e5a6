/**
 * `flow()`: turns an async function of one parameters object into a flow. Calling it runs a
 * recorded flow run (a subflow when called inside another flow); a zod schema in `parameters`
 * validates input and applies defaults before any task runs.
 */
import { MAX_NAME_LENGTH } from '../record-limits.js';
import { serveWithHook, type FlowServeOptions } from './serve-hook.js';
import { z } from 'zod';
import { UsageError, type ParameterIssue } from '../errors.js';
import type { FlowDefinition, FlowRunOptions, ParameterValidation } from '../engine/flow-definition.js';
import { runFlow } from '../engine/flow-engine.js';
import type { WeftRuntime } from '../engine/runtime.js';
import { checkTemplate } from '../engine/run-names.js';
import type { State } from '../states.js';
import { resultOf } from './futures.js';
import { callerLocation } from './task-identity.js';
import { checkRunOptions } from './option-checks.js';
import { keyedLimitOption } from '../engine/keyed-limits.js';
import { deployFlow, locateFlow } from './deploy.js';
import type { DeployOptions } from './deploy.js';
import type { DeploymentDetail } from '../store/deployments.js';
import { sketchFlow, type SketchOptions } from '../engine/flow-sketch.js';
import type { DrawnGraph } from '../visualize/drawn-graph.js';

/** A zod schema of a parameters object. */
export type ParametersSchema = z.ZodType<Record<string, unknown>, Record<string, unknown>>;

/**
 * Keyed concurrency of a flow: at most `limit` of its runs with the same key at once, keys
 * taking turns for slots (round robin).
 * @example
 * flow({ name: 'onboard', concurrency: { key: ({ tenant }: { tenant: string }) => tenant, limit: 1 } }, onboard);
 */
export interface FlowConcurrency<P> {
  /** The key of a run, from its parameters (validated, defaults applied): 1 to 200 characters. */
  readonly key: NoInfer<(parameters: P) => string>;
  /** Runs at once per key, 1 to 1 000 000. */
  readonly limit: number;
}

/** Options of `flow()`. */
export interface FlowOptions<P = Record<string, unknown>, R = unknown> extends FlowRunOptions<Flow<P, R>> {
  /**
   * At most `limit` runs at once per key value (`key` of the parameters), with the keys taking
   * turns; a run waits for its slot Pending (`AwaitingConcurrencySlot`). @default none
   */
  readonly concurrency?: FlowConcurrency<P>;
  /** The flow's name. @default the function's name */
  readonly name?: string;
  /** A zod object schema: validates parameters and applies defaults; gives the JSON Schema. */
  readonly parameters?: ParametersSchema;
}

/** Options of one flow run started with `flow.run()`. */
export interface FlowCallOptions {
  /** Resolve with the final State instead of the result (never throws for the run's own failure). */
  readonly returnState?: boolean;
  /**
   * The runtime to run under (its record, settings, caches); the run's task runs and subflows
   * use it too. @default the current runtime (the default one outside `rt.run()`)
   */
  readonly runtime?: WeftRuntime;
}

type CallArgs<P> = Record<string, never> extends P ? [parameters?: P] : [parameters: P];

/**
 * A flow: call it with its parameters object to run it.
 * @example
 * const etl = flow({ name: 'etl' }, async ({ day }: { day: string }) => load(await extract(day)));
 * await etl({ day: '2026-11-01' });
 */
export interface Flow<P, R> {
  (...args: CallArgs<P>): Promise<R>;
  /** The flow's name. */
  readonly name: string;
  /** The options it was defined with. */
  readonly options: FlowOptions<P, R>;
  /** JSON Schema of the parameters (from the zod schema), for the CLI, API and UI. */
  readonly parametersJsonSchema: Record<string, unknown>;
  /**
   * The wrapped function, callable without the engine (no run recorded, no validation, no
   * schema defaults: pass every parameter it reads), as Prefect's `flow.fn`.
   * @example
   * await etl.fn({ day: '2026-11-01' });
   */
  fn(parameters: P): R | Promise<R>;
  /** Runs once; with `returnState: true` resolves with the final State. */
  run(parameters: P | undefined, options: FlowCallOptions & { readonly returnState: true }): Promise<State<R>>;
  run(...args: [...CallArgs<P>, FlowCallOptions?]): Promise<R>;
  /** A copy of this flow with some options changed. */
  with(options: Partial<FlowOptions<P, R>>): Flow<P, R>;
  /**
   * Records a deployment of this flow (or updates the one of the same name) in the record the
   * settings point at, so that schedules, `weft deployments run` and agents can run it. Call it
   * from a script that imports the flow (not awaited at the top level of the flow's own module,
   * which is still loading then), or give `entrypoint`.
   * @example
   * await etl.deploy({ name: 'nightly', cron: '0 2 * * *', timezone: 'Europe/Berlin', parameters: { day: 'yesterday' } });
   */
  deploy(options: DeployOptions): Promise<DeploymentDetail>;
  /**
   * Runs the flow on a schedule from this process until SIGINT/SIGTERM (or `options.signal`), as
   * `weft serve` does: saved as a deployment, each run in its own process. Guard the call with
   * `isMain(import.meta)`, so the runs' processes, which import this module, do not serve too.
   * @example
   * if (isMain(import.meta)) await report.serve({ cron: '0 9 * * *', timezone: 'Europe/Berlin' });
   */
  serve(options: FlowServeOptions): Promise<void>;
  /**
   * Draws the flow's task graph without running its tasks (as Prefect's `flow.visualize()`):
   * the flow function runs with every task call returning a placeholder at once. Render the
   * graph with `renderGraph(graph, 'svg' | 'png' | 'dot' | 'mermaid')`; its `notes` say where
   * the flow's shape depends on task results.
   * @example
   * writeFileSync('etl.svg', await renderGraph(await etl.visualize({ day: '2026-11-01' }), 'svg'));
   */
  visualize(parameters?: P, options?: SketchOptions): Promise<DrawnGraph>;
}

const FLOW_BRAND: unique symbol = Symbol.for('weft.flow');

/** True for values made by `flow()`. */
export function isFlow(value: unknown): value is Flow<Record<string, unknown>, unknown> {
  return typeof value === 'function' && FLOW_BRAND in value;
}

function validator(flowName: string, schema: ParametersSchema | undefined): (raw: unknown) => ParameterValidation {
  return (raw) => {
    const input = raw ?? {};
    if (!schema) {
      if (typeof input === 'object' && !Array.isArray(input)) return { ok: true, value: input as Record<string, unknown> };
      return { ok: false, issues: [{ path: '', message: `expected a parameters object, got ${Array.isArray(input) ? 'an array' : typeof input}` }] };
    }
    const parsed = schema.safeParse(input);
    if (parsed.success) return { ok: true, value: parsed.data };
    const issues: ParameterIssue[] = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    void flowName;
    return { ok: false, issues };
  };
}

function schemaKeys(schema: ParametersSchema | undefined): string[] | undefined {
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : undefined;
}

const definitions = new WeakMap<object, FlowDefinition<never>>();

/** The engine's definition of a flow made by `flow()`. @internal */
export function flowDefinition(f: object): FlowDefinition<never> | undefined {
  return definitions.get(f);
}

function build<P, R>(options: FlowOptions<P, R>, fn: (parameters: never) => R | Promise<R>, entrypoint?: string | null): Flow<P, R> {
  const name = options.name ?? fn.name;
  if (!name) throw new UsageError('A flow needs a name: pass { name: "..." } as the first argument of flow(), or a named function.');
  if (name.length > MAX_NAME_LENGTH) throw new UsageError(`Flow '${name.slice(0, 40)}…': its name has ${name.length} characters; a flow name has at most ${MAX_NAME_LENGTH}.`);
  checkRunOptions(`Flow '${name}'`, { ...options, runName: options.flowRunName, runNameOption: 'flowRunName' });
  const keys = schemaKeys(options.parameters);
  if (typeof options.flowRunName === 'string' && keys) checkTemplate(options.flowRunName, ['name', ...keys], `Flow '${name}' run`);
  const def: FlowDefinition<Flow<P, R>> = {
    name,
    fn,
    options,
    validate: validator(name, options.parameters),
    owner: undefined as unknown as Flow<P, R>,
    entrypoint: entrypoint ?? callerLocation()?.file ?? null,
    keyedLimit: keyedLimitOption(`Flow '${name}'`, 'flow', name, options.concurrency),
  };
  const runOnce = async (parameters: unknown, call: FlowCallOptions = {}): Promise<unknown> => {
    const state = await (call.runtime ? call.runtime.run(() => runFlow(def, parameters)) : runFlow(def, parameters));
    return call.returnState ? state : resultOf(state, name);
  };
  const jsonSchema = options.parameters ? (z.toJSONSchema(options.parameters, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>) : { type: 'object' };
  const callable = (parameters?: P): Promise<unknown> => runOnce(parameters);
  const methods = {
    options,
    parametersJsonSchema: jsonSchema,
    fn,
    run: (parameters?: P, call?: FlowCallOptions) => runOnce(parameters, call),
    with: (changes: Partial<FlowOptions<P, R>>) => build({ ...options, ...changes }, fn, def.entrypoint),
    deploy: async (deploy: DeployOptions) => {
      if (deploy.entrypoint !== undefined) return deployFlow(result, deploy);
      const location = await locateFlow(result, def.entrypoint, (value) => isFlow(value) && flowDefinition(value)?.fn === fn);
      if (location === undefined) {
        throw new UsageError(
          `Cannot find which export of ${def.entrypoint ?? 'its module'} holds flow '${name}' (a module that is still loading, e.g. awaiting deploy() at its own top level, cannot be looked into). ` +
            "Call deploy() from a script that imports the flow, or give entrypoint: 'FILE:EXPORT'.",
        );
      }
      return deployFlow(result, deploy, location);
    },
    serve: (serveOptions: FlowServeOptions) => serveWithHook(result, serveOptions),
    visualize: (parameters?: P, sketchOptions?: SketchOptions) => sketchFlow(def, parameters, sketchOptions),
    [FLOW_BRAND]: true,
  };
  const result = Object.assign(callable, methods) as unknown as Flow<P, R>;
  Object.defineProperty(result, 'name', { value: name });
  (def as { owner: Flow<P, R> }).owner = result;
  definitions.set(result, def as unknown as FlowDefinition<never>);
  return result;
}

/**
 * Defines a flow. With a zod `parameters` schema, the call's parameter type is the schema's
 * input type and the function receives its output (defaults applied).
 * @example
 * const report = flow(
 *   { name: 'report', parameters: z.object({ n: z.number().int().default(100) }) },
 *   async ({ n }) => total(inc.map(range(n))),
 * );
 */
export function flow<S extends ParametersSchema, R>(options: FlowOptions<z.input<S>, Awaited<R>> & { readonly parameters: S }, fn: (parameters: z.output<S>) => R): Flow<z.input<S>, Awaited<R>>;
export function flow<P extends object = Record<string, never>, R = unknown>(options: FlowOptions<P, Awaited<R>>, fn: (parameters: P) => R): Flow<P, Awaited<R>>;
export function flow<P extends object = Record<string, never>, R = unknown>(fn: (parameters: P) => R): Flow<P, Awaited<R>>;
export function flow(optionsOrFn: FlowOptions | ((parameters: never) => unknown), maybeFn?: (parameters: never) => unknown): Flow<unknown, unknown> {
  const [options, fn] = typeof optionsOrFn === 'function' ? [{}, optionsOrFn] : [optionsOrFn, maybeFn];
  if (typeof fn !== 'function') throw new UsageError('flow() needs a function: flow(fn) or flow(options, fn).');
  return build(options as FlowOptions<unknown, unknown>, fn);
}
