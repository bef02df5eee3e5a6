/**
 * The `weft` command line: commander program with its subcommands. Each action resolves with
 * the exit code; errors propagate to the caller, which reports them.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { EXIT_OK, type ExitCode } from './exit-codes.js';
import type { AgentStartOptions } from './agent-command.js';
import type { LogsOptions } from './logs-command.js';
import type { PoolCreateOptions } from './pools-command.js';
import type { ServeCommandOptions } from './serve-command.js';
import type { LimitOptions } from './limits-command.js';
import type { NotifyOptions } from './automations-command.js';
import { registerDeploymentCommands } from './deployment-commands.js';
import { registerArtifactCommands } from './artifact-commands.js';
import type { RunCommandOptions } from './run-command.js';
import type { RunsListOptions } from './runs-command.js';
import type { ServerStartOptions } from './server-command.js';
import { registerTypeScript } from './typescript-loader.js';
import type { WorkerCommandOptions } from './worker-command.js';
import type { VisualizeCommandOptions } from './visualize-command.js';
import type { GraphOutputOptions } from './graph-output.js';
import type { ClusterSshOptions } from './cluster-ssh-command.js';

// Every command module is imported by its action, not up front: `weft --help` loads no
// subsystem, and `weft run` loads no server, S3 client or BullMQ (issue 13 §2).

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const collect = (value: string, previous: readonly string[]): string[] => [...previous, value];

/**
 * Builds the program. `setExitCode` receives the exit code of the action that ran.
 * @example
 * let code = 0;
 * await buildProgram((c) => (code = c)).parseAsync(process.argv);
 */
export function buildProgram(setExitCode: (code: ExitCode) => void): Command {
  const program = new Command('weft')
    .description('Weft: workflow orchestration for TypeScript. Runs flows and shows what they recorded.')
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .showHelpAfterError('(run `weft --help` or `weft <command> --help` for usage)')
    .showSuggestionAfterError();

  program
    .command('run')
    .description('Run a flow from a module: FILE exports the flow; add :EXPORT when it exports several.')
    .argument('<file[:export]>', 'module that defines the flow, relative to the current directory, e.g. flows/etl.ts:etl')
    .option('-p, --param <key=value>', 'a parameter; the value is parsed as JSON when it parses, else taken as text (repeatable)', collect, [])
    .option('--params <json>', 'parameters as a JSON object; --param entries override its keys')
    .option('--json', 'print exactly one JSON document {flowRunId, state, result} on stdout')
    .addHelpText('after', '\nExamples:\n  weft run examples/dask-example.ts --param n=100\n  weft run flows.ts:etl --params \'{"day": "2026-11-01"}\' --json')
    .action(async (reference: string, options: RunCommandOptions) => {
      // Bad parameters exit 2 before the record is touched; good ones let the record open (its
      // thread boots, migrations are checked) while the rest of `weft run` and the flow load.
      const { buildParameters } = await import('./parse-params.js');
      buildParameters(options.params, options.param);
      const { getClient } = await import('../engine/client.js');
      getClient().catch(() => undefined); // a failure to open is reported when the run needs it
      const { runCommand } = await import('./run-command.js');
      setExitCode(await runCommand(reference, options));
    });

  program
    .command('visualize')
    .description("Draw a flow's task graph without running its tasks (task calls return placeholders; mapped calls are one node with their count).")
    .argument('<file[:export]>', 'module that defines the flow, relative to the current directory, e.g. flows/etl.ts:etl')
    .option('-p, --param <key=value>', 'a parameter; the value is parsed as JSON when it parses, else taken as text (repeatable)', collect, [])
    .option('--params <json>', 'parameters as a JSON object; --param entries override its keys')
    .option('--format <format>', 'svg, png (needs Chromium), dot or mermaid (default: from --out, else svg)')
    .option('--out <file>', 'write the graph to this file (default: stdout)')
    .addHelpText('after', '\nExamples:\n  weft visualize examples/visualize-example.ts --param days=3 --out etl.svg\n  weft visualize flows.ts:etl --format mermaid')
    .action(async (reference: string, options: VisualizeCommandOptions) => {
      const { visualizeCommand } = await import('./visualize-command.js');
      await visualizeCommand(reference, options);
      setExitCode(EXIT_OK);
    });

  const runs = program.command('runs').description('Recorded flow runs.');
  runs
    .command('ls')
    .description('List flow runs, newest first.')
    .option('--flow <name>', 'only runs of this flow')
    .option('--state <type>', 'only runs in this state type (e.g. COMPLETED, FAILED; any case)')
    .option('--tag <tag>', 'only runs carrying this tag')
    .option('--limit <n>', 'at most this many runs (default 50)')
    .option('--json', 'print the run records as a JSON array')
    .action(async (options: RunsListOptions) => {
      const { runsList } = await import('./runs-command.js');
      await runsList(options);
      setExitCode(EXIT_OK);
    });
  runs
    .command('show')
    .description('Show a flow run with its task runs (ids, states, errors) and state history.')
    .argument('<id>', 'flow run id, or a unique prefix of at least 4 characters')
    .option('--json', 'print one JSON document')
    .action(async (id: string, options: { json?: boolean }) => {
      const { runsShow } = await import('./runs-command.js');
      await runsShow(id, options);
      setExitCode(EXIT_OK);
    });
  runs
    .command('graph')
    .description("Draw a recorded flow run's task graph, coloured by each task run's state (mapped task runs collapsed).")
    .argument('<id>', 'flow run id, or a unique prefix of at least 4 characters')
    .option('--format <format>', 'svg, png (needs Chromium), dot or mermaid (default: from --out, else svg)')
    .option('--out <file>', 'write the graph to this file (default: stdout)')
    .action(async (id: string, options: GraphOutputOptions) => {
      const { runsGraph } = await import('./runs-graph-command.js');
      await runsGraph(id, options);
      setExitCode(EXIT_OK);
    });
  runs
    .command('cancel')
    .description('Cancel a flow run: a run not started yet becomes Cancelled; a running one (recorded through a server) Cancelling, then Cancelled by its process.')
    .argument('<id>', 'flow run id, or a unique prefix of at least 4 characters')
    .option('--json', 'print the flow run record as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const { runsCancel } = await import('./runs-change-command.js');
      await runsCancel(id, options);
      setExitCode(EXIT_OK);
    });
  runs
    .command('delete')
    .description('Delete a finished flow run with its task runs, states and logs (persisted results stay in their storage).')
    .argument('<id>', 'flow run id, or a unique prefix of at least 4 characters')
    .option('--json', 'print {"deleted": ID} as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const { runsDelete } = await import('./runs-change-command.js');
      await runsDelete(id, options);
      setExitCode(EXIT_OK);
    });
  runs
    .command('retry')
    .description('Run a Failed, Crashed or Cancelled flow run again as a new attempt of the same run; task runs with a persisted result are reused.')
    .argument('<id>', 'flow run id, or a unique prefix of at least 4 characters')
    .option('--json', 'print exactly one JSON document {flowRunId, state, result} on stdout')
    .action(async (id: string, options: { json?: boolean }) => {
      const { retryCommand } = await import('./retry-command.js');
      setExitCode(await retryCommand(id, options));
    });

  runs
    .command('resume')
    .description('Resume a paused flow run with input checked against its pause schema (or reject it); the run goes on (a suspended one is scheduled again).')
    .argument('<id>', 'flow run id, or a unique prefix of at least 4 characters')
    .option('--input <json>', 'the input, as JSON, e.g. \'{"approved": true}\'')
    .option('--reject <reason>', 'reject the pause instead: pause() throws PauseRejectedError with this reason')
    .option('--key <key>', 'which pause (default: the one the run waits on)')
    .option('--json', 'print the resolved pause as JSON')
    .addHelpText('after', '\nExamples:\n  weft runs resume 3f2a --input \'{"approved": true}\'\n  weft runs resume 3f2a --reject "numbers look wrong"')
    .action(async (id: string, options: { input?: string; reject?: string; key?: string; json?: boolean }) => {
      const { resumeCommand } = await import('./resume-command.js');
      await resumeCommand(id, options);
      setExitCode(EXIT_OK);
    });

  runs
    .command('resume-link')
    .description("Print a signed, single-use link that resumes a paused run's pause without the API key (needs WEFT_API_URL).")
    .argument('<id>', 'flow run id, or a unique prefix of at least 4 characters')
    .option('--key <key>', 'which pause (default: the one the run waits on)')
    .option('--expires-in <seconds>', "how long the link works (default: until the pause's timeout)")
    .option('--json', 'print {url, token, flowRunId, key, expiresAt} as JSON')
    .action(async (id: string, options: { key?: string; expiresIn?: string; json?: boolean }) => {
      const { resumeLinkCommand } = await import('./resume-command.js');
      await resumeLinkCommand(id, options);
      setExitCode(EXIT_OK);
    });

  runs
    .command('execute')
    .description("Run a flow run that was created ahead (a deployment's scheduled run) in its deployment's project directory, with its recorded parameters. `weft agent` starts one per run.")
    .argument('<id>', 'flow run id, or - to boot first and then read {"runId", "cwd"} as one JSON line from stdin (how `weft agent` keeps a process ready)')
    .option('--json', 'print exactly one JSON document {flowRunId, state, result} on stdout')
    .action(async (id: string, options: { json?: boolean }) => {
      const { executeAssignedCommand, executeCommand } = await import('./execute-command.js');
      setExitCode(await (id === '-' ? executeAssignedCommand(options) : executeCommand(id, options)));
    });

  program
    .command('flows')
    .description('Flows that have recorded runs.')
    .command('ls')
    .description('List flows by name, with their run count and newest run.')
    .option('--json', 'print the flow summaries as a JSON array')
    .action(async (options: { json?: boolean }) => {
      const { flowsList } = await import('./flows-command.js');
      await flowsList(options);
      setExitCode(EXIT_OK);
    });

  const limits = program.command('limits').description('Concurrency and rate limits (tasks tagged T are limited by a limit named tag:T).');
  limits
    .command('create')
    .description('Create a limit of N slots; with --decay, a rate limit whose slots drain at that rate.')
    .argument('<name>', 'letters, digits and _ - . : / (tag:T limits every task run tagged T)')
    .option('--limit <n>', 'slots (required)')
    .option('--decay <per-second>', 'slots drained per second: makes it a rate limit')
    .option('--inactive', 'create it inactive (ignored by acquisitions until activated)')
    .option('--json', 'print the limit as JSON')
    .addHelpText('after', '\nExamples:\n  weft limits create db --limit 5\n  weft limits create tag:warehouse --limit 10\n  weft limits create github-api --limit 10 --decay 1')
    .action(async (name: string, options: LimitOptions & { inactive?: boolean }) => {
      const { limitsCreate } = await import('./limits-command.js');
      await limitsCreate(name, { ...options, ...(options.inactive === true ? { active: false } : {}) });
      setExitCode(EXIT_OK);
    });
  limits
    .command('update')
    .description("Change a limit's slots, decay or activity.")
    .argument('<name>', 'the limit')
    .option('--limit <n>', 'slots')
    .option('--decay <per-second>', "slots drained per second, or 'none' for a concurrency limit")
    .option('--active', 'activate it')
    .option('--inactive', 'deactivate it (acquisitions ignore it)')
    .option('--json', 'print the limit as JSON')
    .action(async (name: string, options: LimitOptions & { inactive?: boolean }) => {
      const { limitsUpdate } = await import('./limits-command.js');
      if (options.inactive === true && options.active === true) return limitsUpdate(name, options); // refused there
      const active = options.inactive === true ? false : options.active;
      await limitsUpdate(name, { ...options, ...(active === undefined ? {} : { active }) });
      setExitCode(EXIT_OK);
    });
  limits
    .command('ls')
    .description('List limits with the slots taken now.')
    .option('--json', 'print the limits as a JSON array')
    .action(async (options: { json?: boolean }) => {
      const { limitsList } = await import('./limits-command.js');
      await limitsList(options);
      setExitCode(EXIT_OK);
    });
  for (const [verb, description] of [
    ['show', 'Show a limit with its holders: run, task run, since when, lease.'],
    ['reset', 'Drop every lease of a limit (its holders lose their slots) and empty a rate limit.'],
    ['delete', 'Delete a limit and its leases.'],
  ] as const) {
    limits
      .command(verb)
      .description(description)
      .argument('<name>', 'the limit')
      .option('--json', 'print JSON')
      .action(async (name: string, options: { json?: boolean }) => {
        const command = await import('./limits-command.js');
        await { show: command.limitsShow, reset: command.limitsReset, delete: command.limitsDelete }[verb](name, options);
        setExitCode(EXIT_OK);
      });
  }

  const secrets = program.command('secrets').description('Secrets, stored encrypted; read in a run with `await secret(NAME)`, which masks the value in logs.');
  secrets
    .command('set')
    .description('Set a secret; the value is read from stdin, or prompted for (not shown) at a terminal. Never give it as an argument.')
    .argument('<name>', 'letters, digits and _ - . (up to 100)')
    .argument('[value]', 'refused: the command line is kept in shell history and shown by ps')
    .option('--json', 'print the secret (name and times) as JSON')
    .addHelpText('after', '\nExamples:\n  weft secrets set warehouse-password            # prompts, echoes nothing\n  printf %s "$TOKEN" | weft secrets set api-token')
    .action(async (name: string, value: string | undefined, options: { json?: boolean }) => {
      const { secretsSet } = await import('./secrets-command.js');
      await secretsSet(name, value, options);
      setExitCode(EXIT_OK);
    });
  secrets
    .command('ls')
    .description('List secrets: names and when they were set, never values.')
    .option('--json', 'print them as a JSON array')
    .action(async (options: { json?: boolean }) => {
      const { secretsList } = await import('./secrets-command.js');
      await secretsList(options);
      setExitCode(EXIT_OK);
    });
  secrets
    .command('delete')
    .description('Delete a secret.')
    .argument('<name>', 'the secret')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { json?: boolean }) => {
      const { secretsDelete } = await import('./secrets-command.js');
      await secretsDelete(name, options);
      setExitCode(EXIT_OK);
    });

  const automationsCommand = program.command('automations').description('Automations: event triggers that notify or act (evaluated by `weft server start`).');
  automationsCommand
    .command('ls')
    .description('List automations with their triggers and actions (secret URLs never shown).')
    .option('--json', 'print the automations as a JSON array')
    .action(async (options: { json?: boolean }) => {
      const { automationsList } = await import('./automations-command.js');
      await automationsList(options);
      setExitCode(EXIT_OK);
    });
  automationsCommand
    .command('create')
    .description('Create an automation from a JSON file (see the README: trigger + actions).')
    .argument('<file>', 'a JSON file')
    .option('--json', 'print its id as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const { automationsCreate } = await import('./automations-command.js');
      await automationsCreate(file, options);
      setExitCode(EXIT_OK);
    });
  for (const verb of ['enable', 'disable', 'delete'] as const) {
    automationsCommand
      .command(verb)
      .description(`${verb.charAt(0).toUpperCase()}${verb.slice(1)} an automation.`)
      .argument('<automation>', 'its id or name')
      .action(async (reference: string) => {
        const command = await import('./automations-command.js');
        await (verb === 'delete' ? command.automationsDelete(reference) : command.automationsSetEnabled(reference, verb === 'enable'));
        setExitCode(EXIT_OK);
      });
  }
  program
    .command('notify')
    .description('Notifications on flow-run states (a shortcut for an automation).')
    .command('add')
    .description('Post to Slack (or a webhook) when a flow run enters one of the states.')
    .requiredOption('--on <states>', 'state names, comma-separated, e.g. Failed,Crashed')
    .option('--slack <url>', 'a Slack incoming-webhook URL')
    .option('--webhook <url>', 'a URL that receives a JSON POST')
    .option('--flow <name>', 'only runs of this flow')
    .option('--tag <tag>', 'only runs with this tag (repeat for several: all are needed)', (tag: string, tags: string[] = []) => [...tags, tag])
    .option('--name <name>', 'the automation name')
    .option('--json', 'print its id as JSON')
    .addHelpText('after', '\nExample:\n  weft notify add --on Failed,Crashed --slack https://hooks.slack.com/services/T/B/X --tag prod')
    .action(async (options: NotifyOptions) => {
      const { notifyAdd } = await import('./automations-command.js');
      await notifyAdd(options);
      setExitCode(EXIT_OK);
    });

  program
    .command('results')
    .description('Persisted task-run results.')
    .command('get')
    .description("Print a task run's persisted result, read from its result storage.")
    .argument('<task-run-id>', 'task run id, or a unique prefix of at least 4 characters (see `weft runs show`)')
    .option('--json', 'print the result as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const { resultsGet } = await import('./results-command.js');
      await resultsGet(id, options);
      setExitCode(EXIT_OK);
    });

  program
    .command('logs')
    .description('Print the logs of a flow run and its task runs, oldest first.')
    .argument('<id>', 'flow run id, or a unique prefix of at least 4 characters')
    .option('-f, --follow', 'keep printing new lines as they are recorded until the run is Completed, Failed, Cancelled or Crashed (Ctrl-C stops)')
    .addHelpText('after', '\nExamples:\n  weft logs 3f2a9c\n  weft logs 3f2a9c --follow')
    .action(async (id: string, options: LogsOptions) => {
      const { logsCommand } = await import('./logs-command.js');
      await logsCommand(id, options);
      setExitCode(EXIT_OK);
    });

  registerDeploymentCommands(program, setExitCode);
  registerArtifactCommands(program);

  const server = program.command('server').description('The orchestration server: an HTTP API over the record (SQLite or Postgres).');
  server
    .command('start')
    .description('Serve the API until SIGINT/SIGTERM. Clients record through it with WEFT_API_URL.')
    .option('--host <host>', 'interface to bind (default 127.0.0.1, or WEFT_SERVER_HOST)')
    .option('--port <port>', 'port to listen on (default 4200, or WEFT_SERVER_PORT; 0 picks a free one)')
    .option('--allow-no-auth', 'serve a non-loopback host without WEFT_SERVER_API_KEY (trusted networks only)')
    .option('--log-requests', 'log every request as JSON lines')
    .addHelpText('after', '\nExamples:\n  weft server start\n  WEFT_SERVER_API_KEY=s3cret weft server start --host 0.0.0.0 --port 4200\n  WEFT_DATABASE_URL=postgres://weft@db/weft weft server start')
    .action(async (options: ServerStartOptions) => {
      const { serverStartCommand } = await import('./server-command.js'); // fastify loads only for the server
      setExitCode(await serverStartCommand(options));
    });

  program
    .command('worker')
    .description('Worker processes that take task runs from a Redis cluster. Start it in the project directory.')
    .argument('<address>', "the cluster: redis://[user:password@]host:port[/db][?queue=name], or rediss:// for TLS; '-' reads it from stdin's first line (keeps a password out of `ps`)")
    .option('--nworkers <n>', "worker processes, or 'auto' for one per core (default auto)")
    .option('--concurrency <n>', 'task runs each process runs at once (default 32; 1 for CPU-bound tasks)')
    .option('--import <module...>', 'modules every worker imports before taking work')
    .option('--memory-limit-mb <n>', 'restart a worker process above this much memory (default: total / nworkers)')
    .addHelpText('after', '\nExamples:\n  weft worker redis://127.0.0.1:6379\n  weft worker redis://:s3cret@redis.internal:6379 --nworkers 4 --concurrency 8 --import flows/etl.ts\n  printf \'%s\\n\' "$REDIS_URL" | weft worker -   # the password stays out of the process list')
    .action(async (address: string, options: WorkerCommandOptions) => {
      await registerTypeScript(); // workers import the project's task modules
      const { workerCommand } = await import('./worker-command.js'); // BullMQ loads only for cluster commands
      setExitCode(await workerCommand(address, options));
    });

  const pools = program.command('pools').description('Work pools: named queues of flow runs that agents (`weft agent start --pool NAME`) claim and run.');
  pools
    .command('ls')
    .description('List work pools with their status, concurrency limit and run counts.')
    .option('--json', 'print the pools as a JSON array')
    .action(async (options: { json?: boolean }) => {
      const { poolsList } = await import('./pools-command.js');
      await poolsList(options);
      setExitCode(EXIT_OK);
    });
  pools
    .command('create')
    .description('Create a work pool.')
    .argument('<name>', 'pool name: letters, digits, ".", "_" or "-"')
    .option('--limit <n>', 'at most this many of its runs at once, over all its agents')
    .option('--description <text>', 'what the pool is for')
    .option('--paused', 'create it paused')
    .option('--json', 'print the pool as JSON')
    .addHelpText('after', '\nExamples:\n  weft pools create etl\n  weft pools create gpu --limit 2 --description "the GPU machines"')
    .action(async (name: string, options: PoolCreateOptions) => {
      const { poolsCreate } = await import('./pools-command.js');
      await poolsCreate(name, options);
      setExitCode(EXIT_OK);
    });
  pools
    .command('set-limit')
    .description("Set a work pool's limit on its runs at once, over all its agents, or remove it with `none`.")
    .argument('<name>', 'pool name')
    .argument('<limit>', 'a whole number from 1 to 100000, or none')
    .option('--json', 'print the pool as JSON')
    .addHelpText('after', '\nExamples:\n  weft pools set-limit etl 4\n  weft pools set-limit etl none')
    .action(async (name: string, limit: string, options: { json?: boolean }) => {
      const { poolsSetLimit } = await import('./pools-command.js');
      await poolsSetLimit(name, limit, options);
      setExitCode(EXIT_OK);
    });
  for (const [verb, paused] of [['pause', true], ['resume', false]] as const) {
    pools
      .command(verb)
      .description(paused ? 'Pause a work pool: agents claim none of its runs, which wait (Late) until it is resumed.' : 'Resume a paused work pool.')
      .argument('<name>', 'pool name')
      .option('--json', 'print the pool as JSON')
      .action(async (name: string, options: { json?: boolean }) => {
        const { poolsSetPaused } = await import('./pools-command.js');
        await poolsSetPaused(name, paused, options);
        setExitCode(EXIT_OK);
      });
  }

  program
    .command('serve')
    .description('Run a flow on a schedule from this one process until SIGINT/SIGTERM: saved as a deployment, its runs created ahead and executed here. Without WEFT_API_URL an embedded server over the local SQLite record does the scheduling (and serves the web UI); with it, that server does.')
    .argument('<file[:export]>', 'module that defines the flow, relative to the current directory (the project directory)')
    .option('--cron <expr>', 'a cron schedule, 5 fields (or 6 with seconds first), e.g. "0 9 * * 1-5"')
    .option('--interval <seconds>', 'run every this many seconds')
    .option('--anchor <time>', 'with --interval: the first run time, ISO 8601 (default 2020-01-01T00:00 in the time zone)')
    .option('--rrule <rule>', 'an RFC 5545 recurrence rule, e.g. "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9"')
    .option('--timezone <zone>', 'IANA time zone of the schedule (default UTC)')
    .option('-p, --param <key=value>', 'a default parameter of its runs (repeatable)', collect, [])
    .option('--params <json>', 'default parameters as a JSON object; --param entries override its keys')
    .option('--name <name>', "the deployment's name (default the flow's name)")
    .option('--pool <name>', 'the work pool (default serve-NAME, so this process runs only its own runs)')
    .option('--limit <n>', 'at most this many runs at once')
    .option('--json', 'print what happens as JSON lines')
    .addHelpText('after', '\nExamples:\n  weft serve flows/etl.ts --cron "0 9 * * *" --timezone Europe/Berlin\n  weft serve examples/served-flow.ts:report --interval 60 --param region=eu')
    .action(async (reference: string, options: ServeCommandOptions) => {
      const { serveCommand } = await import('./serve-command.js');
      setExitCode(await serveCommand(reference, options));
    });

  program
    .command('agent')
    .description('Flow-run agents: claim due runs of a work pool from the server and run each in its own process.')
    .command('start')
    .description('Serve a work pool until SIGINT/SIGTERM (which drain: running runs finish; a second signal cancels them). Needs WEFT_API_URL.')
    .requiredOption('--pool <name>', 'the work pool to take runs from (create it with `weft pools create NAME`)')
    .option('--limit <n>', 'at most this many runs at once on this agent')
    .option('--name <name>', 'the agent\'s name (default HOST-PID)')
    .option('--json', 'print what the agent does as JSON lines')
    .addHelpText('after', '\nExamples:\n  WEFT_API_URL=http://127.0.0.1:4200 weft agent start --pool etl\n  weft agent start --pool gpu --limit 2 --name gpu-box-1')
    .action(async (options: AgentStartOptions) => {
      const { agentStartCommand } = await import('./agent-command.js');
      setExitCode(await agentStartCommand(options));
    });

  const cluster = program.command('cluster').description('Distributed clusters on Redis.');
  cluster
    .command('info')
    .description('List the live workers of a Redis cluster, its queue depth and recent throughput.')
    .argument('<address>', 'the cluster: redis://host:port (credentials are never printed)')
    .option('--json', 'print JSON')
    .action(async (address: string, options: { json?: boolean }) => {
      const { clusterInfoCommand } = await import('./cluster-command.js');
      setExitCode(await clusterInfoCommand(address, options));
    });
  cluster
    .command('ssh')
    .description('Start Redis (or use --redis) and `weft worker` processes on hosts over SSH, stream their output, stop them all on SIGINT/SIGTERM.')
    .argument('<hosts...>', 'hosts as ssh takes them (name, user@name, ~/.ssh/config alias); Redis starts on the first')
    .option('--redis <address>', 'use this Redis (redis://… or HOST[:PORT]) instead of starting one')
    .option('--redis-port <n>', 'port of the Redis started on the first host (default 6379)')
    .option('--nworkers <n>', 'worker processes per host (default 1)')
    .option('--concurrency <n>', 'task runs each worker process runs at once (default 32)')
    .option('--project-dir <dir>', 'the project directory on every host (default: the current directory)')
    .option('--ssh-config <file>', 'an ssh_config file for the ssh client (ssh -F)')
    .option('--identity <file>', 'the private key to log in with (ssh -i)')
    .addHelpText('after', '\nExample:\n  weft cluster ssh node1 node2 node3 --nworkers 4 --project-dir /srv/etl')
    .action(async (hosts: string[], options: ClusterSshOptions) => {
      const { clusterSshCommand } = await import('./cluster-ssh-command.js');
      setExitCode(await clusterSshCommand(hosts, options));
    });

  return program;
}
