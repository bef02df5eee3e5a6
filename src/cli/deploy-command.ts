/**
 * `weft deploy FILE[:EXPORT] --name NAME [...]`: loads the flow (so a missing file or export is
 * refused now, not when the first run is due), then records its deployment with `deployFlow`.
 */
import { COLLISION_STRATEGIES } from '../store/deployments.js';
import type { CollisionStrategy, DeploymentDetail } from '../store/deployments.js';
import { deployFlow } from '../sdk/deploy.js';
import { UsageError } from '../errors.js';
import { parameterIssues } from '../parameter-schema.js';
import { EXIT_OK, type ExitCode } from './exit-codes.js';
import { loadFlow } from './load-flow.js';
import { writeOut } from './output.js';
import { buildParameters } from './parse-params.js';
import { guardStdout } from './stdout-guard.js';
import { parseInterval, parseWhole } from './time-options.js';

/** Options of `weft deploy`, as commander parses them. */
export interface DeployCommandOptions {
  readonly name: string;
  readonly param: readonly string[];
  readonly params?: string;
  readonly cron?: string;
  readonly interval?: string;
  readonly rrule?: string;
  readonly timezone?: string;
  readonly anchor?: string;
  readonly pool?: string;
  readonly queue?: string;
  readonly tag: readonly string[];
  readonly description?: string;
  readonly flowVersion?: string;
  readonly concurrency?: string;
  readonly collision?: string;
  readonly skipLateRuns?: boolean;
  readonly projectDir?: string;
  readonly json?: boolean;
}

function collision(text: string): CollisionStrategy {
  if ((COLLISION_STRATEGIES as readonly string[]).includes(text)) return text as CollisionStrategy;
  throw new UsageError(`--collision '${text}' is not a collision strategy: use ${COLLISION_STRATEGIES.join(' or ')}.`);
}

/**
 * ` --param NAME=…` for each parameter a run must give because neither the deployment nor the
 * flow's schema has a value for it (`weft deployments run` without them is refused); '' when none.
 */
function requiredParams(deployment: DeploymentDetail): string {
  if (deployment.parameterSchema === null) return '';
  const missing = new Set(parameterIssues(deployment.parameterSchema, deployment.parameters).map((issue) => issue.path.split('.')[0] ?? issue.path));
  return [...missing].map((name) => ` --param ${name}=…`).join('');
}

/** The text `weft deploy` prints for `deployment`. */
function describe(deployment: DeploymentDetail): string {
  const label = `${deployment.flowName}/${deployment.name}`;
  const schedules = deployment.schedules.length === 0 ? 'no schedule' : deployment.schedules.map((s) => JSON.stringify(s.spec)).join(', ');
  return (
    `Deployment '${label}' (${deployment.id}) saved: ${deployment.entrypoint} in ${deployment.projectDir ?? '(the agent\'s directory)'}, ` +
    `work pool '${deployment.workPool}', ${schedules}.\n` +
    `Run it with: weft deployments run ${label}${requiredParams(deployment)}\n` +
    `Start an agent for it with: weft agent start --pool ${deployment.workPool}\n`
  );
}

/**
 * Runs `weft deploy`; resolves with the exit code.
 * @throws FlowLoadError for a missing file or export; UsageError / DeploymentParameterError for bad input (exit 2).
 * @example
 * await deployCommand('flows/etl.ts:etl', { name: 'nightly', param: [], tag: [], cron: '0 2 * * *' });
 */
export async function deployCommand(reference: string, options: DeployCommandOptions): Promise<ExitCode> {
  const parameters = buildParameters(options.params, options.param);
  const guard = options.json ? guardStdout() : undefined; // the flow's module may print while it loads
  try {
    const loaded = await loadFlow(reference);
    const deployment = await deployFlow(
      loaded.flow,
      {
        name: options.name,
        parameters,
        ...(options.projectDir === undefined ? {} : { projectDir: options.projectDir }),
        ...(options.cron === undefined ? {} : { cron: options.cron }),
        ...(options.interval === undefined ? {} : { interval: parseInterval(options.interval) }),
        ...(options.rrule === undefined ? {} : { rrule: options.rrule }),
        ...(options.timezone === undefined ? {} : { timezone: options.timezone }),
        ...(options.anchor === undefined ? {} : { anchor: options.anchor }),
        ...(options.pool === undefined ? {} : { workPool: options.pool }),
        ...(options.queue === undefined ? {} : { workQueue: options.queue }),
        ...(options.tag.length === 0 ? {} : { tags: options.tag }),
        ...(options.description === undefined ? {} : { description: options.description }),
        ...(options.flowVersion === undefined ? {} : { version: options.flowVersion }),
        ...(options.concurrency === undefined ? {} : { concurrencyLimit: parseWhole('--concurrency', options.concurrency, 1, 10_000) }),
        ...(options.collision === undefined ? {} : { collisionStrategy: collision(options.collision) }),
        ...(options.skipLateRuns === true ? { skipLateRuns: true } : {}),
      },
      { file: loaded.file, exportName: loaded.exportName },
    );
    if (guard) {
      guard.release();
      await guard.write(`${JSON.stringify(deployment, null, 2)}\n`);
    } else await writeOut(describe(deployment));
    return EXIT_OK;
  } finally {
    guard?.release();
  }
}
