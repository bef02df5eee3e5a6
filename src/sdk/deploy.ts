/**
 * Deploying a flow: recording a named deployment of it (entrypoint `FILE:EXPORT` relative to a
 * project directory, default parameters, the flow's parameter schema, work pool, concurrency
 * limit, schedules) in the record the settings point at: the embedded SQLite file, Postgres, or
 * a server (`WEFT_API_URL`). `weft deploy` and `myFlow.deploy()` both come here. Bad input is
 * refused now, not when the first run is due.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DeploymentParameterError, UsageError } from '../errors.js';
import { getClient } from '../engine/client.js';
import { parameterIssues } from '../parameter-schema.js';
import { withoutVariableReferences } from '../store/variable-references.js';
import { parseSchedule } from '../schedules/parse-schedule.js';
import { deploymentInputSchema } from '../store/deployment-input.js';
import { deploymentLabel, hasDeployments } from '../store/deployments.js';
import type { CollisionStrategy, DeploymentDetail, DeploymentScheduleInput } from '../store/deployments.js';

/** Options of `myFlow.deploy()` (and of `weft deploy`). */
export interface DeployOptions {
  /** The deployment's name; with the flow's name it names the deployment: `FLOW/NAME`. */
  readonly name: string;
  /** `FILE:EXPORT` relative to `projectDir`. @default the flow's module and the export that holds it */
  readonly entrypoint?: string;
  /** The directory agents run the flow in. @default process.cwd() */
  readonly projectDir?: string;
  /** Default parameters of its runs (each run's own go over them). @default {} */
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** @default the flow's tags */
  readonly tags?: readonly string[];
  /** @default the flow's description */
  readonly description?: string;
  /** @default the flow's version */
  readonly version?: string;
  /** The work pool agents take its runs from (created if missing). @default 'default' */
  readonly workPool?: string;
  readonly workQueue?: string;
  /** Most runs of the deployment running at once. @default no limit */
  readonly concurrencyLimit?: number;
  /** What happens to a run that would start over the limit. @default 'enqueue' */
  readonly collisionStrategy?: CollisionStrategy;
  /** Cancel scheduled runs that start late instead of running them. @default false */
  readonly skipLateRuns?: boolean;
  /** A cron schedule (5 or 6 fields), in `timezone`. */
  readonly cron?: string;
  /** An interval schedule, in seconds (from `anchor`). */
  readonly interval?: number;
  /** An RRULE schedule, in `timezone`. */
  readonly rrule?: string;
  /** The IANA time zone of `cron` / `rrule` / `interval` (see the README's DST rule). @default 'UTC' */
  readonly timezone?: string;
  /** The anchor of `interval`, ISO 8601. */
  readonly anchor?: string;
  /** Several schedules, each with its own parameters; replaces `cron` / `interval` / `rrule`. */
  readonly schedules?: readonly DeploymentScheduleInput[];
}

/** What `deployFlow` needs of a flow (structurally, so `flow.ts` can call it without a cycle). */
export interface DeployableFlow {
  readonly name: string;
  readonly parametersJsonSchema: Record<string, unknown>;
  readonly options: { readonly tags?: readonly string[]; readonly description?: string; readonly version?: string };
}

/** Where the flow is: its module (absolute path) and the export that holds it. */
export interface FlowLocation {
  readonly file: string;
  readonly exportName: string;
}

/** The schedules the options give: `schedules`, or the one `cron` / `interval` / `rrule` (never two). */
function schedulesOf(options: DeployOptions): readonly DeploymentScheduleInput[] | undefined {
  const given = (['cron', 'interval', 'rrule'] as const).filter((kind) => options[kind] !== undefined);
  if (given.length > 1) throw new UsageError(`Give one schedule kind, not ${given.join(' and ')}: e.g. { cron: '0 9 * * *', timezone: 'Europe/Berlin' } or { interval: 3600 }.`);
  if (options.schedules !== undefined && given.length > 0) throw new UsageError(`Give either schedules or ${given[0] ?? ''}, not both.`);
  if (options.schedules !== undefined) return options.schedules;
  const kind = given[0];
  if (kind === undefined) {
    if (options.timezone !== undefined || options.anchor !== undefined) throw new UsageError('A timezone or anchor needs a schedule: add a cron, interval or rrule.');
    return undefined;
  }
  const timezone = options.timezone === undefined ? {} : { timezone: options.timezone };
  if (kind === 'interval') return [{ spec: { interval: options.interval, ...(options.anchor === undefined ? {} : { anchorDate: options.anchor }), ...timezone } }];
  if (options.anchor !== undefined) throw new UsageError('An anchor belongs to an interval schedule, not a cron or rrule one.');
  return [{ spec: { [kind]: options[kind], ...timezone } }];
}

/** `FILE:EXPORT` of `location`, FILE relative to `projectDir` with '/' separators. */
function entrypointOf(location: FlowLocation, projectDir: string): string {
  const file = relative(projectDir, location.file);
  if (file.startsWith('..') || isAbsolute(file)) {
    throw new UsageError(`The flow's module ${location.file} is outside the project directory ${projectDir}: agents run it from there. Deploy from the project directory, or give projectDir / --project-dir.`);
  }
  return `${file.split(sep).join('/')}:${location.exportName}`;
}

/** Throws when the FILE of an explicit `FILE:EXPORT` is not a file under `projectDir`. */
function checkEntrypointFile(entrypoint: string, projectDir: string): void {
  const at = entrypoint.lastIndexOf(':');
  const file = at > 0 ? entrypoint.slice(0, at) : entrypoint;
  const path = resolve(projectDir, file);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new UsageError(`The entrypoint '${entrypoint}' names no file in the project directory (looked for ${path}). Give FILE:EXPORT relative to ${projectDir}.`);
  }
}

/** The refusal of a deployment's fields, listing each one. */
function invalid(label: string, issues: readonly { path: readonly PropertyKey[]; message: string }[]): UsageError {
  const list = issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
  return new UsageError(`Cannot deploy '${label}': ${list}.`);
}

/**
 * Records the deployment of `flow` (creating it, or updating the one of the same flow and name)
 * and returns it with its schedules. `location` is where the flow was loaded from (`weft deploy`);
 * without it, `options.entrypoint` must be given.
 * @throws UsageError for a bad field (each named), an entrypoint outside the project directory or
 *   missing; DeploymentParameterError for default parameters the flow's schema refuses.
 * @example
 * await deployFlow(etl, { name: 'nightly', cron: '0 2 * * *', timezone: 'Europe/Berlin' }, { file: '/srv/app/flows/etl.ts', exportName: 'etl' });
 */
export async function deployFlow(flow: DeployableFlow, options: DeployOptions, location?: FlowLocation): Promise<DeploymentDetail> {
  const projectDir = resolve(options.projectDir ?? process.cwd());
  if (options.projectDir !== undefined && !(existsSync(projectDir) && statSync(projectDir).isDirectory())) {
    throw new UsageError(`--project-dir must be an existing directory (projectDir '${options.projectDir}' is ${existsSync(projectDir) ? 'not a directory' : 'missing'}): give the folder agents run the flow's module from.`);
  }
  const label = deploymentLabel({ flowName: flow.name, name: options.name });
  let entrypoint = options.entrypoint;
  if (entrypoint === undefined) {
    if (location === undefined) throw new UsageError(`Cannot tell which export of its module holds flow '${flow.name}': give entrypoint: 'FILE:EXPORT'.`);
    entrypoint = entrypointOf(location, projectDir);
  } else checkEntrypointFile(entrypoint, projectDir);
  const schedules = schedulesOf(options);
  const parsed = deploymentInputSchema.safeParse({
    flowName: flow.name,
    name: options.name,
    entrypoint,
    projectDir,
    parameters: options.parameters ?? {},
    parameterSchema: flow.parametersJsonSchema,
    tags: options.tags ?? flow.options.tags ?? [],
    description: options.description ?? flow.options.description ?? null,
    version: options.version ?? flow.options.version ?? null,
    ...(options.workPool === undefined ? {} : { workPool: options.workPool }),
    workQueue: options.workQueue ?? null,
    concurrencyLimit: options.concurrencyLimit ?? null,
    ...(options.collisionStrategy === undefined ? {} : { collisionStrategy: options.collisionStrategy }),
    skipLateRuns: options.skipLateRuns ?? false,
    ...(schedules === undefined ? {} : { schedules }),
  });
  if (!parsed.success) throw invalid(label, parsed.error.issues);
  for (const schedule of parsed.data.schedules ?? []) parseSchedule(schedule.spec); // refused here, before the record is opened
  const issues = parameterIssues(flow.parametersJsonSchema, withoutVariableReferences(parsed.data.parameters), { partial: true });
  if (issues.length > 0) throw new DeploymentParameterError(label, issues);
  const { store } = await getClient();
  if (!hasDeployments(store)) throw new UsageError('This Weft record cannot keep deployments: use the embedded SQLite file, Postgres or a Weft server.');
  const { deployment } = await store.saveDeployment(parsed.data, new Date().toISOString());
  return deployment;
}

/**
 * Where the export holding `flow` is in its module `file`, found by importing the module (it is
 * already loaded, since the flow exists). A module still evaluating (`await myFlow.deploy()` at
 * its own top level) cannot be looked into: then undefined.
 */
export async function locateFlow(flow: object, file: string | null, same: (value: unknown) => boolean): Promise<FlowLocation | undefined> {
  if (file === null) return undefined;
  const timeout = new Promise<undefined>((done) => setTimeout(() => done(undefined), 250));
  const loading = import(pathToFileURL(file).href) as Promise<Record<string, unknown>>;
  const module = await Promise.race<Record<string, unknown> | undefined>([loading, timeout]).catch(() => undefined);
  if (module === undefined) return undefined;
  const exports = { ...(typeof module.default === 'object' && module.default !== null ? (module.default as Record<string, unknown>) : {}), ...module };
  const found = Object.entries(exports).find(([, value]) => value === flow) ?? Object.entries(exports).find(([, value]) => same(value));
  return found === undefined ? undefined : { file, exportName: found[0] };
}
