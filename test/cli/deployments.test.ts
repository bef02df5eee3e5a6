/**
 * `weft deploy` and `weft deployments ...` as a user runs them: the real bin in a child process,
 * embedded (a throwaway SQLite record) and through a real server (WEFT_API_URL).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/weft-server.js';
import { call } from '../server/http.js';
import { assertBuilt, fixture, runWeft, startWeft, useTempHome, waitUntil } from './harness.js';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 }); // a dozen CLI processes per test on a loaded machine

interface Deployment {
  id: string;
  flowName: string;
  name: string;
  entrypoint: string;
  projectDir: string;
  parameters: Record<string, unknown>;
  parameterSchema: { properties: Record<string, unknown> };
  tags: string[];
  description: string | null;
  paused: boolean;
  concurrencyLimit: number | null;
  collisionStrategy: string;
  schedules: { spec: Record<string, unknown> }[];
}
interface Run {
  id: string;
  parameters: Record<string, unknown>;
  state: { type: string; name: string };
  expectedStartTime: string;
  deploymentId: string;
}

const parse = <T>(stdout: string): T => JSON.parse(stdout) as T;

beforeAll(() => assertBuilt());

describe('weft deploy (embedded record)', () => {
  const home = useTempHome();

  it('refuses bad input at deploy with exit 2 and a message naming what is wrong', async () => {
    const cases: [string[], RegExp][] = [
      [['deploy', 'flows/missing.ts', '--name', 'x'], /Cannot find the flow file 'flows\/missing.ts'/],
      [['deploy', fixture('two-flows.ts:notAFlow'), '--name', 'x'], /exports 'notAFlow', but it is not a flow/],
      [['deploy', fixture('deployable.ts'), '--name', 'x', '--param', 'n=0'], /deployment 'report\/x': n: Too small/],
      [['deploy', fixture('deployable.ts'), '--name', 'x', '--param', 'm=1'], /m: not a parameter of this flow \(its parameters are: n, day\)/],
      [['deploy', fixture('deployable.ts'), '--name', 'a/b'], /name: must not contain '\/'/],
      [['deploy', fixture('deployable.ts'), '--name', 'x', '--cron', '* * * * *', '--interval', '60'], /one schedule kind, not cron and interval/],
      [['deploy', fixture('deployable.ts'), '--name', 'x', '--interval', 'soon'], /--interval 'soon' is not a period/],
      [['deploy', fixture('deployable.ts'), '--name', 'x', '--cron', '0 9 * *', '--timezone', 'Europe/Berlin'], /InvalidScheduleError: Invalid schedule: cron "0 9 \* \*"/],
      [['deploy', fixture('deployable.ts'), '--name', 'x', '--cron', '0 9 * * *', '--timezone', 'Berlin'], /unknown time zone 'Berlin'/],
      [['deploy', fixture('deployable.ts'), '--name', 'x', '--concurrency', '0'], /--concurrency must be a whole number from 1 to 10000/],
      [['deploy', fixture('deployable.ts'), '--name', 'x', '--collision', 'drop'], /--collision 'drop' is not a collision strategy: use enqueue or cancel-new/],
      [['deploy', fixture('deployable.ts'), '--name', 'x', '--project-dir', '/tmp'], /outside the project directory \/tmp/],
    ];
    for (const [args, message] of cases) {
      const result = await runWeft(home.path, args);
      expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
    const listed = await runWeft(home.path, ['deployments', 'ls', '--json']);
    expect(parse<unknown[]>(listed.stdout)).toEqual([]);
  });

  it('prints a run command that gives the required parameters the deployment leaves to each run', async () => {
    const open = await runWeft(home.path, ['deploy', fixture('deployable.ts'), '--name', 'open-day']);
    expect(open.code, open.stderr).toBe(0);
    expect(open.stdout).toContain('Run it with: weft deployments run report/open-day --param day=…\n');
    const given = await runWeft(home.path, ['deploy', fixture('deployable.ts'), '--name', 'fixed-day', '--param', 'day=monday']);
    expect(given.code, given.stderr).toBe(0);
    expect(given.stdout).toContain('Run it with: weft deployments run report/fixed-day\n');
  });

  it('deploys a flow with its schema, runs it with parameters over the defaults, pauses, resumes and deletes it', async () => {
    const deployed = await runWeft(home.path, ['deploy', fixture('deployable.ts'), '--name', 'nightly', '--param', 'day=2026-11-01', '--interval', '1h', '--concurrency', '2', '--collision', 'cancel-new', '--json']);
    expect(deployed.code, deployed.stderr).toBe(0);
    const deployment = parse<Deployment>(deployed.stdout);
    expect(deployment).toMatchObject({
      flowName: 'report',
      name: 'nightly',
      entrypoint: 'test/cli/fixtures/deployable.ts:report',
      parameters: { day: '2026-11-01' },
      tags: ['reports'],
      description: 'Daily report',
      concurrencyLimit: 2,
      collisionStrategy: 'cancel-new',
      schedules: [{ spec: { interval: 3600 } }],
    });
    expect(Object.keys(deployment.parameterSchema.properties)).toEqual(['n', 'day']);

    const bad = await runWeft(home.path, ['deployments', 'run', 'report/nightly', '--param', 'n=many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/deployment 'report\/nightly': n: Invalid input: expected number/);
    expect((await runWeft(home.path, ['deployments', 'run', 'nightly', '--at', 'tomorrow'])).stderr).toMatch(/--at 'tomorrow' is not a time/);
    const emptyTag = await runWeft(home.path, ['deployments', 'run', 'nightly', '--tag', '']);
    expect(emptyTag.code).toBe(2);
    expect(emptyTag.stderr).toContain('--tag must not be empty');

    const due = new Date(Date.now() + 30 * 86_400_000);
    due.setUTCHours(8, 0, 0, 0); // 09:00 at +01:00
    const ran = await runWeft(home.path, ['deployments', 'run', 'nightly', '--param', 'n=3', '--at', `${due.toISOString().slice(0, 10)}T09:00:00+01:00`, '--json']);
    expect(ran.code, ran.stderr).toBe(0);
    const run = parse<Run>(ran.stdout);
    expect(run).toMatchObject({ parameters: { day: '2026-11-01', n: 3 }, state: { type: 'SCHEDULED' }, expectedStartTime: due.toISOString(), deploymentId: deployment.id });

    const shown = await runWeft(home.path, ['deployments', 'show', 'report/nightly']);
    expect(shown.stdout).toMatch(/Concurrency: 2, collision strategy cancel-new/);
    expect(shown.stdout).toContain(run.id);

    // A deployment run cancelled before any process ran it has no module to retry from: the deployment has.
    const other = parse<Run>((await runWeft(home.path, ['deployments', 'run', 'nightly', '--at', '+1h', '--json'])).stdout);
    expect((await runWeft(home.path, ['runs', 'cancel', other.id])).code).toBe(0);
    const retried = await runWeft(home.path, ['runs', 'retry', other.id]);
    expect(retried.code).toBe(2);
    expect(retried.stderr).toContain(`run the deployment again instead: weft deployments run ${deployment.id}`);
    expect((await runWeft(home.path, ['runs', 'delete', other.id])).code).toBe(0);

    const paused = await runWeft(home.path, ['deployments', 'pause', deployment.id, '--json']);
    expect(parse<Deployment>(paused.stdout).paused).toBe(true);
    expect((await runWeft(home.path, ['runs', 'show', run.id])).code).toBe(2); // deleted with the pause
    const refused = await runWeft(home.path, ['deployments', 'run', 'nightly']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/is paused.*weft deployments resume report\/nightly/);
    expect((await runWeft(home.path, ['deployments', 'resume', 'nightly'])).stdout).toMatch(/resumed/);

    expect(parse<{ deleted: string }>((await runWeft(home.path, ['deployments', 'delete', 'nightly', '--json'])).stdout)).toEqual({ deleted: deployment.id });
    const gone = await runWeft(home.path, ['deployments', 'show', 'nightly']);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/There is no deployment 'nightly'/);
  });
});

describe('weft deployments through a server (WEFT_API_URL)', () => {
  const home = useTempHome();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.stop());

  it('deploys, refuses a bad run parameter with exit 2, and --watch follows a run to its final state', async () => {
    const env = { WEFT_API_URL: server.url };
    const deployed = await runWeft(home.path, ['deploy', fixture('deployable.ts'), '--name', 'remote', '--param', 'day=d', '--json'], env);
    expect(deployed.code, deployed.stderr).toBe(0);
    const deployment = parse<Deployment>(deployed.stdout);
    expect((await call<Deployment>(server.url, 'GET', `/api/v1/deployments/${deployment.id}`)).body.name).toBe('remote');

    const bad = await runWeft(home.path, ['deployments', 'run', 'report/remote', '--param', 'n=-1'], env);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toMatch(/deployment 'report\/remote': n: Too small/);

    const watching = startWeft(home.path, ['deployments', 'run', 'report/remote', '--param', 'n=4', '--watch'], env);
    await waitUntil(() => /Created flow run '.*' \(([0-9a-f-]{36})\)/.test(watching.output.stdout), 'the run to be created');
    const runId = /\(([0-9a-f-]{36})\)/.exec(watching.output.stdout)?.[1] ?? '';
    // What an agent's flow process reports, through the API.
    for (const [type, name] of [['PENDING', 'Pending'], ['RUNNING', 'Running'], ['COMPLETED', 'Completed']] as const) {
      await waitUntil(() => watching.output.stdout.includes(type === 'PENDING' ? 'Scheduled' : type === 'RUNNING' ? 'Pending' : 'Running'), `the watch to show the state before ${name}`);
      const moved = await call(server.url, 'POST', `/api/v1/flow-runs/${runId}/state`, { state: { type, name, timestamp: new Date().toISOString() } });
      expect(moved.status).toBe(200);
    }
    const result = await watching.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Scheduled[\s\S]*Pending[\s\S]*Running[\s\S]*finished in state Completed/);
  });
});
