/**
 * SshCluster against a real sshd on loopback: Redis and `weft worker` processes started over
 * SSH run the seed workload, their output streams back, and close() stops every remote process.
 * Hosts that refuse the key, lack Node, lack the project directory or cannot be reached are
 * named with the reason, and nothing is left running.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterTaskRunner, createRuntime, flow, SshCluster, SshClusterError, UsageError, type RemoteLine } from '../../src/index.js';
import { loadSettings } from '../../src/settings.js';
import { freePort } from '../helpers/free-port.js';
import { assertBuilt, ROOT, runWeft, runWeftJson, tempHome } from '../cli/harness.js';
import { startSshd, type TestSshd } from './sshd.js';

/** True while a process with this pid exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The lines of `ps -eo pid,ppid,args` output whose process descends from `root`. */
function sshdDescendants(ps: string, root: number): string[] {
  const rows = ps.split('\n').flatMap((line) => {
    const m = /^\s*(\d+)\s+(\d+)\s/.exec(line);
    return m ? [{ pid: Number(m[1]), ppid: Number(m[2]), line }] : [];
  });
  const parent = new Map(rows.map((r) => [r.pid, r.ppid]));
  const descends = (pid: number): boolean => {
    for (let at = parent.get(pid), hops = 0; at !== undefined && hops < 64; at = parent.get(at), hops++) if (at === root) return true;
    return false;
  };
  return rows.filter((r) => descends(r.pid)).map((r) => r.line);
}

/** Pids named in the workers' start lines ("… pids 123, 456"). */
function workerPids(lines: readonly RemoteLine[]): number[] {
  return lines.flatMap((l) => /pids ([\d, ]+)$/.exec(l.line)?.[1]?.split(',').map((p) => Number(p.trim())) ?? []);
}

describe('SshCluster', () => {
  let sshd: TestSshd;
  const home = tempHome();
  beforeAll(async () => {
    assertBuilt();
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
    home.remove();
  });

  it('starts Redis and workers over SSH on two hosts, runs the seed workload on them, and stops them all on close', async () => {
    const lines: RemoteLine[] = [];
    const redisPort = await freePort();
    const cluster = new SshCluster({ hosts: ['good1', 'good2'], nWorkers: 1, concurrency: 8, redisPort, projectDir: ROOT, sshOptions: sshd.sshOptions, onLog: (l) => lines.push(l) });
    try {
      await cluster.ready();
      expect(cluster.address).toBe(`redis://***@127.0.0.1:${redisPort}`);
      expect(lines.some((l) => l.host === 'good1' && l.role === 'redis' && /Ready to accept connections/.test(l.line))).toBe(true);
      expect(lines.filter((l) => l.role === 'worker' && /^Weft worker on /.test(l.line)).map((l) => l.host).sort()).toEqual(['good1', 'good2']);
      const password = cluster.url!.split('@')[0]!.slice('redis://:'.length);
      expect(password.length).toBeGreaterThan(10);
      expect(lines.some((l) => l.line.includes(password))).toBe(false); // the password never reaches a log line
      // Nor any command line on the hosts: read every process's argv as `ps` shows it, through the sshd.
      const ps = execFileSync('ssh', [...sshd.sshOptions, 'good2', 'ps -ww -eo pid,ppid,args'], { encoding: 'utf8' });
      // Only this sshd's descendants: other tests running at the same time start `weft worker`s of their own.
      const weftWorkers = sshdDescendants(ps, sshd.pid).filter((l) => /bin\/weft\.js worker /.test(l));
      expect(weftWorkers, ps).toHaveLength(2); // one `weft worker` per host: we looked at the right processes
      expect(weftWorkers.every((l) => / worker - --nworkers 1 /.test(l)), weftWorkers.join('\n')).toBe(true);
      expect(ps.includes(password), 'the Redis password is in a command line').toBe(false);
      const run = await runWeft(home.path, ['run', 'examples/dask-example.ts', '--param', 'n=20', '--json'], { WEFT_TASK_RUNNER: 'cluster', WEFT_CLUSTER_ADDRESS: cluster.url! });
      expect(run.code, run.stderr).toBe(0);
      const ran = JSON.parse(run.stdout) as { flowRunId: string; result: number };
      expect(ran.result).toBe(20 * 19); // sum of (i+1)+(i-1) for i < 20
      // The cluster's own record of its workers: the two SSH-started processes ran the mapped task runs.
      // Workers report their counts with their heartbeats: read until the last report is in.
      const completed = (doc: { workers: { completed: number }[] }): number => doc.workers.reduce((n, w) => n + w.completed, 0);
      let info = await runWeftJson<{ workers: { pid: number; completed: number }[] }>(home.path, ['cluster', 'info', cluster.url!, '--json']);
      for (const deadline = Date.now() + 30_000; completed(info.doc) < 60 && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        info = await runWeftJson<{ workers: { pid: number; completed: number }[] }>(home.path, ['cluster', 'info', cluster.url!, '--json']);
      }
      const pids = workerPids(lines);
      expect(info.doc.workers.map((w) => w.pid).sort()).toEqual([...pids].sort());
      expect(completed(info.doc)).toBeGreaterThanOrEqual(60); // inc, dec and add: 20 each
    } finally {
      await cluster.close();
    }
    for (const pid of workerPids(lines)) expect(alive(pid), `worker ${pid} still running`).toBe(false);
    expect(() => execFileSync('redis-cli', ['-p', String(redisPort), 'ping'], { stdio: 'pipe' })).toThrow(); // Redis stopped
  }, 300_000); // ssh sessions, Redis and two workers start slowly on a loaded 2-core machine

  it('names each host that refuses the key, lacks Node or cannot be reached, and starts nothing', async () => {
    const cluster = new SshCluster({ hosts: ['good1', 'badkey', 'nonode', 'down'], projectDir: ROOT, redisPort: await freePort(), sshOptions: sshd.sshOptions, onLog: () => undefined });
    const error = await cluster.ready().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SshClusterError);
    const reasons = Object.fromEntries((error as SshClusterError).hosts.map((h) => [h.host, h.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['badkey', 'down', 'nonode']);
    expect(reasons.badkey).toMatch(/^refused the key: .*Permission denied/);
    expect(reasons.nonode).toMatch(/^lacks Node/);
    expect(reasons.down).toMatch(/^unreachable: .*Connection refused/);
    expect((error as Error).message).toMatch(/could not start \(checks\) on 3 of 4 host\(s\): badkey: refused the key.*Nothing was left running/);
    await cluster.close();
  }, 120_000);

  it('names the hosts that lack the project directory', async () => {
    const cluster = new SshCluster({ hosts: ['good1', 'good2'], projectDir: '/nonexistent/weft-project', sshOptions: sshd.sshOptions, onLog: () => undefined });
    const error = (await cluster.ready().catch((e: unknown) => e)) as SshClusterError;
    expect(error.hosts.map((h) => h.host)).toEqual(['good1', 'good2']);
    expect(error.hosts[0]!.reason).toMatch(/^lacks the project directory \(no directory \/nonexistent\/weft-project\)/);
  }, 120_000);

  it('refuses scale() and adapt() with a UsageError, also as a clusterClass with adaptOptions, starting nothing', async () => {
    const cluster = new SshCluster({ hosts: ['good1'], sshOptions: sshd.sshOptions, onLog: () => undefined });
    const scaled = await cluster.scale(4).catch((e: unknown) => e);
    expect(scaled).toBeInstanceOf(UsageError);
    expect((scaled as Error).message).toMatch(/^SshCluster cannot scale to 4: it runs nWorkers per host as started\. Start it with the nWorkers and hosts you need\.$/);
    expect(() => cluster.adapt({ minimum: 1, maximum: 4 })).toThrow(UsageError);
    expect(() => cluster.adapt({ minimum: 1, maximum: 4 })).toThrow(/SshCluster does not adapt/);
    await cluster.close();
    const lines: RemoteLine[] = [];
    const runner = new ClusterTaskRunner({ clusterClass: SshCluster, clusterOptions: { hosts: ['good1'], sshOptions: sshd.sshOptions, onLog: (l) => lines.push(l) }, adaptOptions: { minimum: 1, maximum: 4 } });
    const adaptive = flow({ name: 'ssh-adaptive', taskRunner: runner }, () => 1);
    const rt = createRuntime({ settings: loadSettings({ WEFT_HOME: home.path, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' }) });
    const error = await rt.run(() => adaptive({})).catch((e: unknown) => e);
    await rt.close();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/SshCluster does not adapt/);
    expect(lines).toEqual([]); // no ssh session was opened
  });

  it('refuses bad options with what to give instead', () => {
    expect(() => new SshCluster({ hosts: [] })).toThrow(/1 to 256 hosts/);
    expect(() => new SshCluster({ hosts: ['-oProxyCommand=x'] })).toThrow(/is not a host name/);
    expect(() => new SshCluster({ hosts: ['a'], nWorkers: 0 })).toThrow(/nWorkers must be a whole number ≥ 1/);
    expect(() => new SshCluster({ hosts: ['a'], redis: 'not a host!' })).toThrow(/--redis takes redis:\/\/… or HOST\[:PORT\]/);
  });
});
