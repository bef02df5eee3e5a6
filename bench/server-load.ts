/**
 * API load: `clients` concurrent clients, each in a loop creating a flow run, moving it to
 * RUNNING, posting a batch of task runs, states and logs, and completing it, for `seconds`.
 * Reports requests/s, p50 / p99 latency and errors. The first `warmupSeconds` run the same load
 * but are not counted (the server's JIT compiles its hot paths then).
 *
 * The clients share this process and the machine's cores with the server, so they use plain
 * `node:http` over keep-alive connections (one per client): `fetch` costs about as much CPU
 * per request as the server itself, and that time would be measured as server latency.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';

/** The outcome of a load run. */
export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly firstError?: string;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const now = (): string => new Date().toISOString();

/** Runs the load against `url`. */
export async function apiLoad(url: string, clients: number, seconds: number, warmupSeconds = 2): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let counting = false;
  const warm = new Promise<void>((resolve) => setTimeout(resolve, warmupSeconds * 1000));
  const deadline = Date.now() + (warmupSeconds + seconds) * 1000;
  const { hostname, port } = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const send = (path: string, payload: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
      const req = request({ hostname, port, path, method: 'POST', agent, headers }, (response) => {
        response.on('data', () => undefined);
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  const post = async (path: string, body: unknown): Promise<void> => {
    const start = performance.now();
    const counted = counting;
    let failure: string | undefined;
    try {
      const status = await send(path, JSON.stringify(body));
      if (status < 200 || status >= 300) failure = `${path}: HTTP ${status}`;
    } catch (error) {
      failure = `${path}: ${String(error)}`;
    }
    if (failure !== undefined) {
      errors++; // during the warm-up too: an error is an error
      firstError ??= failure;
    }
    if (counted) latencies.push(performance.now() - start);
  };
  const client = async (c: number): Promise<void> => {
    while (Date.now() < deadline) {
      const id = randomUUID();
      const created = now();
      await post('/api/v1/flow-runs', {
        id, name: `load-${c}`, flowName: 'api-load', parameters: { c }, parentFlowRunId: null, tags: ['load'],
        state: { type: 'PENDING', name: 'Pending', timestamp: created }, runCount: 0, createdAt: created, startTime: null, endTime: null,
      });
      await post(`/api/v1/flow-runs/${id}/state`, { state: { type: 'RUNNING', name: 'Running', timestamp: now() }, patch: { runCount: 1, startTime: now() } });
      const taskRuns = Array.from({ length: 5 }, (_, i) => ({
        id: randomUUID(), flowRunId: id, name: `t-${i}`, taskKey: 'bench:t', dynamicKey: String(i), mapIndex: i, tags: [],
        state: { type: 'COMPLETED', name: 'Completed', timestamp: now() }, runCount: 1, createdAt: now(), startTime: now(), endTime: now(),
      }));
      await post('/api/v1/records', {
        taskRuns,
        edges: [],
        states: taskRuns.flatMap((t) => ['Pending', 'Running', 'Completed'].map((name, k) => ({ runId: t.id, runKind: 'task', type: ['PENDING', 'RUNNING', 'COMPLETED'][k], name, timestamp: now() }))),
        logs: taskRuns.map((t) => ({ flowRunId: id, taskRunId: t.id, name: 'weft.task_runs', level: 20, message: `done ${t.name}`, timestamp: now() })),
      });
      await post(`/api/v1/flow-runs/${id}/state`, { state: { type: 'COMPLETED', name: 'Completed', timestamp: now() }, patch: { endTime: now() } });
    }
  };
  let started = performance.now();
  void warm.then(() => {
    counting = true;
    started = performance.now();
  });
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: latencies.length,
    errors,
    perSecond: latencies.length / elapsed,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    ...(firstError === undefined ? {} : { firstError }),
  };
}
