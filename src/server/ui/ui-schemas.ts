/**
 * Shapes of the API endpoints the web UI reads (dashboard aggregates, the collapsed task graph,
 * the timeline, task-run counts, cluster status). The UI imports the inferred types from here.
 */
import { z } from 'zod';
import { stateTypeSchema } from '../schemas.js';

const timestamp = z.iso.datetime({ offset: true });

/** Counts by state type, only the types present. */
export const stateCountsSchema = z.record(z.string(), z.number().int().min(0));

/** One node of a flow run's task graph: a task run, a collapsed group of mapped task runs, or the rest of an expanded group. */
export const graphNodeSchema = z.object({
  id: z.string(),
  kind: z.enum(['task', 'group', 'rest']),
  label: z.string(),
  taskKey: z.string(),
  /** The task run, for `task` nodes. */
  taskRunId: z.string().nullable(),
  /** The current state type, for `task` nodes; the worst one for groups. */
  state: stateTypeSchema,
  /** How many task runs the node stands for. */
  count: z.number().int().min(1),
  counts: stateCountsSchema,
});

/** An edge between graph nodes; `count` task-run edges collapsed into it. */
export const graphEdgeSchema = z.object({ source: z.string(), target: z.string(), count: z.number().int().min(1) });

/** A flow run's task graph, mapped task runs collapsed by task unless expanded. */
export const runGraphSchema = z.object({
  flowRunId: z.string(),
  taskRunCount: z.number().int().min(0),
  nodes: z.array(graphNodeSchema),
  edges: z.array(graphEdgeSchema),
});

/** Query of the graph: the tasks (task keys) whose mapped runs are shown one by one. */
export const graphQuerySchema = z.object({
  expand: z
    .string()
    .max(10_000)
    .optional()
    .transform((v) => (v === undefined || v === '' ? [] : v.split(','))),
  /** At most this many runs of an expanded group are shown one by one; the rest stay one node. */
  expandLimit: z.coerce.number().int().min(1).max(2_000).default(200),
});

/** One attempt of a task run on the timeline. */
export const timelineAttemptSchema = z.object({
  taskRunId: z.string(),
  name: z.string(),
  taskKey: z.string(),
  attempt: z.number().int().min(1),
  /** Epoch milliseconds. */
  start: z.number(),
  /** Epoch milliseconds; null while running. */
  end: z.number().nullable(),
  state: stateTypeSchema,
  /** The worker that ran it (`host:pid`, `worker-N@host:pid` in a local cluster); null while running or when not recorded. */
  worker: z.string().nullable(),
});

/** A flow run's timeline: one entry per attempt. */
export const timelineSchema = z.object({
  flowRunId: z.string(),
  start: z.number().nullable(),
  end: z.number().nullable(),
  attempts: z.array(timelineAttemptSchema),
});

/** Query of a flow run's timeline: `format=columns` asks for {@link timelineColumnsSchema}. */
export const timelineQuerySchema = z.object({
  format: z.enum(['attempts', 'columns']).default('attempts'),
});

/**
 * A flow run's timeline in columns (`?format=columns`), what the UI reads: a tenth of the size of
 * {@link timelineSchema} for a 30 000-task-run run. Task runs, task keys, workers and states are
 * tables; attempts are parallel arrays of indexes into them and of ms offsets from `origin`.
 */
export const timelineColumnsSchema = z.object({
  flowRunId: z.string(),
  start: z.number().nullable(),
  end: z.number().nullable(),
  /** Epoch ms the attempts' `start` and `end` count from: the run's start, else the first attempt's. */
  origin: z.number(),
  /** One entry per task run: its id, its name and the index of its task key in `taskKeys`. */
  taskRunIds: z.array(z.string()),
  names: z.array(z.string()),
  taskRunKeys: z.array(z.number().int()),
  taskKeys: z.array(z.string()),
  workers: z.array(z.string()),
  states: z.array(stateTypeSchema),
  /** One entry per attempt in each array. */
  attempts: z.object({
    /** Index into `taskRunIds`. */
    taskRun: z.array(z.number().int()),
    attempt: z.array(z.number().int().min(1)),
    /** Ms after `origin`. */
    start: z.array(z.number()),
    /** Ms after `origin`; null while running. */
    end: z.array(z.number().nullable()),
    /** Index into `states`. */
    state: z.array(z.number().int()),
    /** Index into `workers`; -1 when none is known. */
    worker: z.array(z.number().int()),
  }),
});

/** Query of task-run counts: flow-run ids, comma-separated. */
export const taskRunCountsQuerySchema = z.object({
  flowRunIds: z
    .string()
    .min(1)
    .max(20_000)
    .transform((v) => v.split(',').filter((id) => id !== ''))
    .refine((ids) => ids.length <= 200, 'at most 200 flow-run ids per request'),
});

/** Task-run counts by state, per flow run. */
export const taskRunCountsSchema = z.record(z.string(), stateCountsSchema);

/** Query of the dashboard: a time range and how many bars. */
export const dashboardQuerySchema = z.object({
  since: timestamp.optional(),
  until: timestamp.optional(),
  buckets: z.coerce.number().int().min(1).max(200).default(24),
});

const runBriefSchema = z.object({ id: z.string(), name: z.string(), flowName: z.string(), state: z.object({ type: stateTypeSchema, name: z.string(), timestamp }), createdAt: timestamp });

/** The dashboard's aggregates. */
export const dashboardSchema = z.object({
  since: timestamp,
  until: timestamp,
  /** Flow runs created in the range, by state. */
  counts: stateCountsSchema,
  /** Whether there were more runs in the range than the server counts (the counts are of the newest ones). */
  truncated: z.boolean(),
  buckets: z.array(z.object({ start: timestamp, counts: stateCountsSchema })),
  latestFailed: z.array(runBriefSchema),
  latestRunning: z.array(runBriefSchema),
  /** Task runs finished per second over the last minute (from the live events this server saw). */
  taskRunsPerSecond: z.number(),
  /** Share of those that failed or crashed, 0..1. */
  taskRunFailureRate: z.number(),
});

/** A worker of the Redis cluster. */
export const clusterWorkerSchema = z.object({
  host: z.string(),
  pid: z.number().int(),
  concurrency: z.number().int(),
  running: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
  lastMinute: z.number().int(),
  startedAt: z.string(),
  lastHeartbeat: z.string(),
});

/** One worker process of a local cluster. */
export const localClusterWorkerSchema = z.object({
  id: z.number().int().min(0),
  pid: z.number().int(),
  status: z.enum(['starting', 'running', 'retiring', 'stopped']),
  running: z.number().int().min(0),
  concurrency: z.number().int().min(1),
  memoryMb: z.number().min(0),
  memoryLimitMb: z.number().min(0),
  completed: z.number().int().min(0),
  failed: z.number().int().min(0),
  lastHeartbeat: timestamp.nullable(),
});

/** A local cluster's status as its flow-run process reports it (`PUT /local-clusters/{id}`). */
export const localClusterReportSchema = z.object({
  address: z.string().regex(/^local:\/\/[\w-]{1,64}$/, 'a local cluster address, local://<id>'),
  name: z.string().max(500),
  host: z.string().max(255),
  pid: z.number().int(),
  flowRunId: z.string().min(1).max(200),
  workers: z.array(localClusterWorkerSchema).max(1024).readonly(),
  reportedAt: timestamp,
});

/** Path of a local cluster's report: its address without `local://`. */
export const localClusterParamsSchema = z.object({ id: z.string().regex(/^[\w-]{1,64}$/, 'the id of a local cluster (its address without local://)') });

/** The cluster page: the configured Redis cluster's workers and queue, and the local clusters of running flows. */
export const clusterStatusSchema = z.object({
  configured: z.boolean(),
  /** The address, credentials hidden. */
  address: z.string().nullable(),
  queue: z.string().nullable(),
  reachable: z.boolean(),
  message: z.string().nullable(),
  workers: z.array(clusterWorkerSchema),
  jobs: z.object({ waiting: z.number().int(), active: z.number().int(), completed: z.number().int(), failed: z.number().int() }),
  throughputPerSecond: z.number(),
  /** Local clusters that running flow runs reported in the last few seconds. */
  localClusters: z.array(localClusterReportSchema),
});

/** Types of the UI endpoints' answers, for the UI. */
export type RunGraph = z.infer<typeof runGraphSchema>;
/** @see graphNodeSchema */
export type GraphNode = z.infer<typeof graphNodeSchema>;
/** @see graphEdgeSchema */
export type GraphEdge = z.infer<typeof graphEdgeSchema>;
/** @see timelineSchema */
export type Timeline = z.infer<typeof timelineSchema>;
/** @see timelineColumnsSchema */
export type TimelineColumns = z.infer<typeof timelineColumnsSchema>;
/** @see timelineAttemptSchema */
export type TimelineAttempt = z.infer<typeof timelineAttemptSchema>;
/** @see dashboardSchema */
export type Dashboard = z.infer<typeof dashboardSchema>;
/** @see clusterStatusSchema */
export type ClusterStatus = z.infer<typeof clusterStatusSchema>;
/** @see localClusterReportSchema */
export type LocalClusterStatus = z.infer<typeof localClusterReportSchema>;
/** @see taskRunCountsSchema */
export type TaskRunCounts = z.infer<typeof taskRunCountsSchema>;
