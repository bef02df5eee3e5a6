/**
 * The deployment commands of the `weft` program: `weft deploy` and `weft deployments ls | show |
 * run | pause | resume | backfill | delete`. Each module is imported by its action, as in program.ts.
 */
import type { Command } from 'commander';
import type { DeployCommandOptions } from './deploy-command.js';
import type { BackfillOptions } from './backfill-command.js';
import type { DeploymentRunOptions } from './deployment-run-command.js';
import { EXIT_OK, type ExitCode } from './exit-codes.js';

const collect = (value: string, previous: readonly string[]): string[] => [...previous, value];

/**
 * Adds the deployment commands to `program`; `setExitCode` receives the exit code of the one that ran.
 * @example
 * registerDeploymentCommands(program, (code) => (exitCode = code));
 */
export function registerDeploymentCommands(program: Command, setExitCode: (code: ExitCode) => void): void {
  program
    .command('deploy')
    .description('Record a deployment of a flow (or update the one of that name): how agents of its work pool run it, with default parameters and schedules.')
    .argument('<file[:export]>', 'module that defines the flow, inside the project directory, e.g. flows/etl.ts:etl')
    .requiredOption('-n, --name <name>', "the deployment's name (the flow's name and it make FLOW/NAME)")
    .option('-p, --param <key=value>', 'a default parameter; the value is parsed as JSON when it parses, else taken as text (repeatable)', collect, [])
    .option('--params <json>', 'default parameters as a JSON object; --param entries override its keys')
    .option('--cron <expression>', "a cron schedule, 5 or 6 fields, e.g. '0 9 * * *'")
    .option('--interval <period>', 'an interval schedule: seconds, or 90s, 15m, 2h, 1d')
    .option('--rrule <rule>', "an RRULE schedule, e.g. 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=9'")
    .option('--timezone <zone>', 'IANA time zone of the schedule, e.g. Europe/Berlin (default UTC)')
    .option('--anchor <time>', 'ISO 8601 time the --interval counts from')
    .option('--pool <name>', "the work pool agents take its runs from (default 'default'; created if missing)")
    .option('--queue <name>', 'a queue of the work pool')
    .option('--tag <tag>', 'a tag of its runs (repeatable; default the flow\'s tags)', collect, [])
    .option('--description <text>', "default the flow's description")
    .option('--flow-version <version>', "default the flow's version")
    .option('--concurrency <n>', 'most runs of the deployment running at once')
    .option('--collision <strategy>', 'a run that would start over --concurrency: enqueue (waits) or cancel-new (default enqueue)')
    .option('--skip-late-runs', 'cancel scheduled runs that start late instead of running them')
    .option('--project-dir <dir>', 'the directory agents run the flow in (default the current directory)')
    .option('--json', 'print the deployment as JSON')
    .addHelpText('after', "\nExamples:\n  weft deploy flows/etl.ts:etl --name nightly --cron '0 2 * * *' --timezone Europe/Berlin --param day=yesterday\n  weft deploy examples/dask-example.ts --name quick --pool laptops --concurrency 1 --collision cancel-new")
    .action(async (reference: string, options: DeployCommandOptions) => {
      const { deployCommand } = await import('./deploy-command.js');
      setExitCode(await deployCommand(reference, options));
    });

  const deployments = program.command('deployments').description('Deployments: named, recorded ways to run a flow, on schedules or on request.');
  deployments
    .command('ls')
    .description('List deployments by flow and name.')
    .option('--flow <name>', 'only deployments of this flow')
    .option('--json', 'print the deployments as a JSON array')
    .action(async (options: { flow?: string; json?: boolean }) => {
      const { deploymentsList } = await import('./deployments-command.js');
      await deploymentsList(options);
      setExitCode(EXIT_OK);
    });
  deployments
    .command('show')
    .description('Show a deployment with its schedules and latest runs.')
    .argument('<deployment>', 'FLOW/NAME, a NAME only one flow uses, or the id')
    .option('--json', 'print one JSON document')
    .action(async (reference: string, options: { json?: boolean }) => {
      const { deploymentsShow } = await import('./deployments-command.js');
      await deploymentsShow(reference, options);
      setExitCode(EXIT_OK);
    });
  deployments
    .command('run')
    .description("Create a run of a deployment for an agent of its work pool: parameters over its defaults, checked against the flow's schema.")
    .argument('<deployment>', 'FLOW/NAME, a NAME only one flow uses, or the id')
    .option('-p, --param <key=value>', 'a parameter; the value is parsed as JSON when it parses, else taken as text (repeatable)', collect, [])
    .option('--params <json>', 'parameters as a JSON object; --param entries override its keys')
    .option('--at <time>', 'when the run is due: ISO 8601 with a zone, +10m / +2h / +1d, or now (default now)')
    .option('--tag <tag>', "a tag added to the deployment's (repeatable)", collect, [])
    .option('--watch', 'print its states until it finishes; exit 0 when it completed, 1 otherwise')
    .option('--json', 'print the flow run record as JSON (the final one with --watch)')
    .addHelpText('after', '\nExamples:\n  weft deployments run etl/nightly --param day=2026-11-01 --watch\n  weft deployments run etl/nightly --at +2h --json')
    .action(async (reference: string, options: DeploymentRunOptions) => {
      const { deploymentRunCommand } = await import('./deployment-run-command.js');
      setExitCode(await deploymentRunCommand(reference, options));
    });
  for (const [name, paused, what] of [
    ['pause', true, 'Pause a deployment: it creates no runs, and its runs not started nor claimed yet are deleted.'],
    ['resume', false, 'Resume a paused deployment: its schedules create runs again.'],
  ] as const) {
    deployments
      .command(name)
      .description(what)
      .argument('<deployment>', 'FLOW/NAME, a NAME only one flow uses, or the id')
      .option('--json', 'print the deployment as JSON')
      .action(async (reference: string, options: { json?: boolean }) => {
        const { deploymentsPause } = await import('./deployments-command.js');
        await deploymentsPause(reference, paused, options);
        setExitCode(EXIT_OK);
      });
  }
  deployments
    .command('backfill')
    .description("Create runs of a deployment for its schedules' times in a range (at most 1000; times that have a run are skipped); agents run them oldest first.")
    .argument('<deployment>', 'FLOW/NAME, a NAME only one flow uses, or the id')
    .requiredOption('--from <time>', 'first time included, ISO 8601 with a zone, e.g. 2026-01-01T00:00:00Z')
    .requiredOption('--to <time>', 'last time included, ISO 8601 with a zone')
    .option('--json', 'print {deployment, times, created} as JSON')
    .addHelpText('after', '\nExample:\n  weft deployments backfill etl/nightly --from 2026-01-01T00:00:00Z --to 2026-01-31T23:59:59Z')
    .action(async (reference: string, options: BackfillOptions) => {
      const { backfillCommand } = await import('./backfill-command.js');
      setExitCode(await backfillCommand(reference, options));
    });
  deployments
    .command('delete')
    .description('Delete a deployment with its schedules and its runs not started; its finished runs stay.')
    .argument('<deployment>', 'FLOW/NAME, a NAME only one flow uses, or the id')
    .option('--json', 'print {"deleted": ID} as JSON')
    .action(async (reference: string, options: { json?: boolean }) => {
      const { deploymentsDelete } = await import('./deployments-command.js');
      await deploymentsDelete(reference, options);
      setExitCode(EXIT_OK);
    });
}
