/**
 * The API endpoints the web UI reads beyond the core ones: dashboard aggregates
 * (`/dashboard`), task-run counts by state of several flow runs (`/task-run-counts`), a flow
 * run's collapsed task graph (`/flow-runs/{id}/graph`) and timeline (`/flow-runs/{id}/timeline`),
 * the configured Redis cluster with the local clusters of running flow runs (`/cluster`), and the
 * reports of those local clusters (`PUT /local-clusters/{id}`). All need the API key like every
 * `/api` route.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { RunNotFoundError, UsageError } from '../../errors.js';
import type { Settings } from '../../settings.js';
import type { StateType } from '../../states.js';
import type { FlowRunRecord, TaskRunWithUpstream } from '../../store/records.js';
import { hasTaskRunCounts } from '../../store/task-run-counts.js';
import { hasTaskRunGroups } from '../../store/task-run-groups.js';
import { hasTaskRunSpans } from '../../store/task-run-spans.js';
import { z } from 'zod';
import { systemClock, type Clock } from '../clock.js';
import type { EventBus } from '../event-bus.js';
import type { Orchestrator } from '../orchestrator.js';
import { errorSchema, idParamsSchema } from '../schemas.js';
import { ClusterStatusReader } from '../ui/cluster-status.js';
import { LocalClusterBoard } from '../ui/local-clusters.js';
import { LiveStats } from '../ui/live-stats.js';
import { collapseGraph, graphFromGroups } from '../ui/run-graph.js';
import { buildTimeline, buildTimelineColumns } from '../ui/run-timeline.js';
import {
  clusterStatusSchema,
  dashboardQuerySchema,
  dashboardSchema,
  graphQuerySchema,
  localClusterParamsSchema,
  localClusterReportSchema,
  runGraphSchema,
  taskRunCountsQuerySchema,
  taskRunCountsSchema,
  timelineColumnsSchema,
  timelineQuerySchema,
  timelineSchema,
} from '../ui/ui-schemas.js';

const errors = { 400: errorSchema, 404: errorSchema, 422: errorSchema, 503: errorSchema };
const FINAL: ReadonlySet<StateType> = new Set(['COMPLETED', 'FAILED', 'CRASHED', 'CANCELLED']);
const JSON_TYPE = 'application/json; charset=utf-8';
/** The dashboard counts at most this many runs of its range (the newest). */
const DASHBOARD_RUN_CAP = 20_000;
const brief = (run: FlowRunRecord): { id: string; name: string; flowName: string; state: FlowRunRecord['state']; createdAt: string } => ({
  id: run.id,
  name: run.name,
  flowName: run.flowName,
  state: run.state,
  createdAt: run.createdAt,
});

/**
 * The UI routes over `orchestrator`; `bus` feeds the task-run rate; `cluster` names the Redis
 * cluster; `clock` ages local-cluster reports.
 * @example
 * await app.register(uiApiRoutes(orchestrator, bus, settings), { prefix: '/api/v1' });
 */
export function uiApiRoutes(orchestrator: Orchestrator, bus: EventBus, cluster: Pick<Settings, 'cluster'> | undefined, clock: Clock = systemClock): FastifyPluginAsyncZod {
  const { store } = orchestrator;
  const countOf = hasTaskRunCounts(store) ? (ids: readonly string[]) => store.countTaskRunsByState(ids) : undefined;
  const groupOf = hasTaskRunGroups(store) ? (id: string) => store.groupTaskRuns(id) : undefined;
  const spansOf = hasTaskRunSpans(store) ? (id: string) => store.listTaskRunSpans(id) : undefined;
  return (app) => {
    const stats = new LiveStats(bus);
    const clusterReader = new ClusterStatusReader(cluster);
    const localClusters = new LocalClusterBoard(clock);
    // Counts of a finished flow run do not change: keep the last few hundred.
    const finishedCounts = new Map<string, Record<string, number>>();
    app.addHook('onClose', async () => {
      stats.stop();
      await clusterReader.close();
    });

    // A finished run's task runs do not change (its process wrote every batch before its final
    // state): the graph and timeline of the last few finished runs share one read of them, made
    // when a view first needs it (the collapsed graph is grouped by the database, without it).
    // The views built from them (graph per `expand`, timeline) are kept with them, as JSON text:
    // these answers are the server's own objects of the documented shape, and for a 30 000-task-run
    // run checking them against the zod schema on every poll cost more than building them
    // (≈ 400 ms against ≈ 70 ms to stringify a 6 MB timeline), so they are sent as text.
    interface Finished {
      readonly key: string;
      taskRuns: Promise<TaskRunWithUpstream[]> | undefined;
      readonly views: Map<string, string>;
    }
    const finished = new Map<string, Finished>();
    /** `build` gets the run's task runs through `taskRuns()`, read at most once per finished run. */
    const view = async (run: FlowRunRecord, name: string, build: (taskRuns: () => Promise<TaskRunWithUpstream[]>) => object | Promise<object>): Promise<string> => {
      if (!FINAL.has(run.state.type)) return JSON.stringify(await build(() => store.listTaskRuns(run.id)));
      const key = `${run.state.timestamp}/${run.runCount}`;
      let entry = finished.get(run.id);
      if (entry?.key !== key) {
        entry = { key, taskRuns: undefined, views: new Map() };
        finished.delete(run.id);
        finished.set(run.id, entry);
        if (finished.size > 3) finished.delete(finished.keys().next().value ?? '');
      }
      const of = entry;
      if (!of.views.has(name)) {
        const taskRuns = (): Promise<TaskRunWithUpstream[]> => {
          of.taskRuns ??= store.listTaskRuns(run.id).catch((error: unknown) => {
            of.taskRuns = undefined; // read again next time
            throw error;
          });
          return of.taskRuns;
        };
        if (of.views.size >= 20) of.views.clear();
        of.views.set(name, JSON.stringify(await build(taskRuns)));
      }
      return of.views.get(name) ?? '';
    };

    const readRun = async (id: string): Promise<FlowRunRecord> => {
      const run = await store.readFlowRun(id);
      if (run === undefined) throw new RunNotFoundError(`There is no flow run ${id}. List runs with GET /api/v1/flow-runs.`);
      return run;
    };

    app.get('/flow-runs/:id/graph', { schema: { tags: ['ui'], summary: "A flow run's task graph, mapped task runs collapsed into one node per task unless named in `expand`", params: idParamsSchema, querystring: graphQuerySchema, response: { 200: runGraphSchema, ...errors } } }, async (request, reply) => {
      const run = await readRun(request.params.id);
      const { expand, expandLimit } = request.query;
      // Collapsed (nothing expanded), the database groups the task runs; expanded, they are listed.
      const json = await view(run, `graph:${expandLimit}:${expand.join(',')}`, async (taskRuns) =>
        expand.length === 0 && groupOf !== undefined ? graphFromGroups(run.id, await groupOf(run.id)) : collapseGraph(run.id, await taskRuns(), { expand, expandLimit }),
      );
      // JSON text is sent as is: Fastify does not serialize a string answer of a JSON type again.
      return reply.type(JSON_TYPE).send(json as never);
    });

    app.get('/flow-runs/:id/timeline', { schema: { tags: ['ui'], summary: "A flow run's task-run attempts with start and end (epoch ms), for the Gantt timeline; `format=columns` gives them as parallel arrays (what the UI reads)", params: idParamsSchema, querystring: timelineQuerySchema, response: { 200: z.union([timelineSchema, timelineColumnsSchema]), ...errors } } }, async (request, reply) => {
      const run = await readRun(request.params.id);
      const columns = request.query.format === 'columns';
      const build = columns ? buildTimelineColumns : buildTimeline;
      // The timeline reads only the columns it draws when the store can (not the full listing).
      const json = await view(run, `timeline:${request.query.format}`, async (taskRuns) => build(store, run.id, run.startTime, run.endTime, spansOf === undefined ? await taskRuns() : await spansOf(run.id)));
      return reply.type(JSON_TYPE).send(json as never);
    });

    app.get('/task-run-counts', { schema: { tags: ['ui'], summary: 'Task-run counts by state type of up to 200 flow runs (`flowRunIds` comma-separated)', querystring: taskRunCountsQuerySchema, response: { 200: taskRunCountsSchema, ...errors } } }, async (request) => {
      const answer: Record<string, Record<string, number>> = {};
      const runs: { asked: string; run: FlowRunRecord }[] = [];
      for (const id of new Set(request.query.flowRunIds)) {
        const cached = finishedCounts.get(id);
        if (cached !== undefined) answer[id] = cached;
        else {
          const run = await store.readFlowRun(id);
          if (run !== undefined) runs.push({ asked: id, run });
        }
      }
      if (runs.length === 0) return answer;
      // The SQL stores count in the database, from an index; another store lists the task runs.
      const counted = countOf === undefined ? undefined : await countOf(runs.map((r) => r.run.id));
      for (const { asked, run } of runs) {
        let counts: Record<string, number> = {};
        if (counted !== undefined) counts = counted[run.id] ?? {};
        else for (const taskRun of await store.listTaskRuns(run.id)) counts[taskRun.state.type] = (counts[taskRun.state.type] ?? 0) + 1;
        answer[asked] = counts;
        if (FINAL.has(run.state.type)) {
          finishedCounts.set(asked, counts);
          if (finishedCounts.size > 500) finishedCounts.delete(finishedCounts.keys().next().value ?? '');
        }
      }
      return answer;
    });

    app.get('/dashboard', { schema: { tags: ['ui'], summary: 'Flow runs over time by state, counts, latest failed and running runs, task-run throughput', querystring: dashboardQuerySchema, response: { 200: dashboardSchema, ...errors } } }, async (request) => {
      const until = request.query.until === undefined ? new Date() : new Date(request.query.until);
      const since = request.query.since === undefined ? new Date(until.getTime() - 24 * 3600_000) : new Date(request.query.since);
      if (!(since < until)) throw new UsageError(`since (${since.toISOString()}) must be before until (${until.toISOString()}): pick a range that ends after it starts.`);
      const span = until.getTime() - since.getTime();
      const bucketCount = request.query.buckets;
      const buckets = Array.from({ length: bucketCount }, (_, i): { start: string; counts: Record<string, number> } => ({ start: new Date(since.getTime() + (span * i) / bucketCount).toISOString(), counts: {} }));
      const counts: Record<string, number> = {};
      let seen = 0;
      let afterId: string | undefined;
      for (;;) {
        const page = await store.listFlowRuns({ createdAfter: since.toISOString(), createdBefore: until.toISOString(), limit: 1000, ...(afterId === undefined ? {} : { afterId }) });
        for (const run of page) {
          const type = run.state.type;
          counts[type] = (counts[type] ?? 0) + 1;
          const index = Math.min(bucketCount - 1, Math.max(0, Math.floor(((Date.parse(run.createdAt) - since.getTime()) / span) * bucketCount)));
          const bucket = buckets[index];
          if (bucket !== undefined) bucket.counts[type] = (bucket.counts[type] ?? 0) + 1;
        }
        seen += page.length;
        afterId = page.at(-1)?.id;
        if (page.length < 1000 || seen >= DASHBOARD_RUN_CAP) break;
      }
      const [failed, running] = await Promise.all([store.listFlowRuns({ stateType: 'FAILED', limit: 5 }), store.listFlowRuns({ stateType: 'RUNNING', limit: 5 })]);
      const rate = stats.rate();
      return {
        since: since.toISOString(),
        until: until.toISOString(),
        counts,
        truncated: seen >= DASHBOARD_RUN_CAP,
        buckets,
        latestFailed: failed.map(brief),
        latestRunning: running.map(brief),
        taskRunsPerSecond: rate.perSecond,
        taskRunFailureRate: rate.failureRate,
      };
    });

    app.get('/cluster', { schema: { tags: ['ui'], summary: 'The Redis cluster the server is told of (WEFT_CLUSTER_ADDRESS): workers, queue depth, throughput; and the local clusters running flow runs report', response: { 200: clusterStatusSchema, ...errors } } }, async () => ({
      ...(await clusterReader.read()),
      localClusters: localClusters.list(),
    }));

    app.put('/local-clusters/:id', { schema: { tags: ['ui'], summary: "A flow-run process reports its LocalCluster's workers (kept a few seconds, for the cluster page)", params: localClusterParamsSchema, body: localClusterReportSchema, response: { 204: z.null(), ...errors } } }, async (request, reply) => {
      const report = request.body;
      if (report.address !== `local://${request.params.id}`) throw new UsageError(`The report is of ${report.address}, not of local://${request.params.id}: PUT it to /api/v1/local-clusters/<its id>.`);
      localClusters.put(report);
      return reply.code(204).send(null);
    });
    return Promise.resolve();
  };
}
