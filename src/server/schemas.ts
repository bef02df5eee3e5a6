/**
 * The API's request and response shapes as zod schemas: they validate every request, shape every
 * response and are emitted into the OpenAPI document. They mirror `store/records.ts`.
 */
import { z } from 'zod';
import { STATE_TYPES } from '../states.js';
import type { ErrorDetail, StateType } from '../states.js';
import { MAX_LOG_MESSAGE_LENGTH, MAX_NAME_LENGTH, MAX_PARAMETERS_BYTES, MAX_RUN_ID_LENGTH, MAX_STATE_MESSAGE_LENGTH, MAX_TAG_LENGTH, MAX_TAGS, RUN_ID_PATTERN } from '../record-limits.js';

const timestamp = z.iso.datetime({ offset: true });
const id = z.string().min(1).max(200);

/** A state type: SCHEDULED, PENDING, RUNNING … */
export const stateTypeSchema = z.enum(STATE_TYPES as [StateType, ...StateType[]]);

/** The recorded error of a FAILED or CRASHED state: name, message, stack trace, cause chain. */
export const errorDetailSchema: z.ZodType<ErrorDetail> = z.object({
  name: z.string().max(1_000),
  message: z.string().max(100_000),
  stack: z.string().max(100_000).optional(),
  get cause() {
    return errorDetailSchema.optional();
  },
});

/** The recorded part of a state. */
export const stateSchema = z.object({
  type: stateTypeSchema,
  name: z.string().min(1),
  message: z.string().optional(),
  timestamp,
  error: errorDetailSchema.optional(),
});

/** What flow runs and task runs both record: labels, current state, attempts and times. */
const runFields = {
  tags: z.array(z.string()).readonly(),
  state: stateSchema,
  runCount: z.number().int().min(0),
  createdAt: timestamp,
  startTime: timestamp.nullable(),
  endTime: timestamp.nullable(),
};

/** A flow run. */
export const flowRunSchema = z.object({
  id,
  name: z.string(),
  flowName: z.string().min(1),
  parameters: z.record(z.string(), z.unknown()),
  parentFlowRunId: id.nullable(),
  ...runFields,
  /** Absolute path of the module that defines the flow (for retries). */
  entrypoint: z.string().nullable().optional(),
  /** The flow's `version` and `description` options when the run started. */
  flowVersion: z.string().max(1000).nullable().optional(),
  flowDescription: z.string().max(10_000).nullable().optional(),
  /** Set on runs of a deployment (read only: ignored when a run is recorded). */
  deploymentId: id.nullable().optional(),
  workPool: z.string().max(200).nullable().optional(),
  workQueue: z.string().max(200).nullable().optional(),
  expectedStartTime: timestamp.nullable().optional(),
});

/** A persisted result's reference. */
export const resultReferenceSchema = z.object({
  storage: z.string(),
  key: z.string(),
  serializer: z.string(),
  producedBy: z.string(),
  cacheKey: z.string().max(10_000).optional(),
  expiresAt: timestamp.optional(),
});

/** A task run snapshot. */
export const taskRunSchema = z.object({
  id,
  flowRunId: id.nullable(),
  name: z.string(),
  taskKey: z.string(),
  dynamicKey: z.string(),
  mapIndex: z.number().int(),
  ...runFields,
  result: resultReferenceSchema.nullable().optional(),
  /** The worker that ran its latest attempt (`host:pid`, or a cluster worker's id). */
  worker: z.string().max(300).nullable().optional(),
});

/** A task run with its upstream task run ids. */
export const taskRunWithUpstreamSchema = taskRunSchema.extend({ upstream: z.array(z.string()).readonly() });

/** One entry of a state history. */
export const stateRecordSchema = stateSchema.extend({ runId: id, runKind: z.enum(['flow', 'task']), worker: z.string().max(300).optional() });

/** A log line. `seq` (its position in the record) is set on lines read back, ignored on writes. */
export const logSchema = z.object({
  seq: z.number().int().optional(),
  flowRunId: id.nullable(),
  taskRunId: id.nullable(),
  name: z.string(),
  level: z.number().int(),
  message: z.string(),
  timestamp,
});

// Request-side bounds (see record-limits.ts): the response schemas above stay as they are, so a
// record written before these bounds existed is still answered.
const name = z.string().max(MAX_NAME_LENGTH);
const tags = z.array(z.string().max(MAX_TAG_LENGTH)).max(MAX_TAGS).readonly();
// The id of a run a client creates: it may end up in a file name (a retry's log), so it is kept to
// the characters of the ids Weft makes (UUIDs), which rules out `/`, `..` and NUL.
const runId = z
  .string()
  .max(MAX_RUN_ID_LENGTH)
  .regex(RUN_ID_PATTERN, { message: `a run id is 1 to ${MAX_RUN_ID_LENGTH} letters, digits, "-" or "_" (as a UUID is)` });

/** A state as a client writes it: its name and message bounded. */
export const stateInputSchema = stateSchema.extend({ name: name.min(1), message: z.string().max(MAX_STATE_MESSAGE_LENGTH).optional() });

// A flow run's parameters: every list of runs reads them, so one run must not hold megabytes.
const parameters = z
  .record(z.string(), z.unknown())
  .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= MAX_PARAMETERS_BYTES, { message: `parameters must be at most ${MAX_PARAMETERS_BYTES} bytes of JSON` });

/** The body of `POST /flow-runs`: a flow run with its id restricted to safe characters, its parameters to 1 MB of JSON, and its names, tags and state bounded. */
export const flowRunInputSchema = flowRunSchema.extend({ id: runId, name, flowName: name.min(1), parameters, tags, state: stateInputSchema });

/** A log line as a client writes it: its logger name and message bounded. */
export const logInputSchema = logSchema.extend({ name, message: z.string().max(MAX_LOG_MESSAGE_LENGTH) });

/** What `store.write(batch)` writes (the body of `POST /records`): task-run ids restricted to safe characters; names, tags, state messages and log messages bounded. */
export const batchSchema = z.object({
  taskRuns: z.array(taskRunSchema.extend({ id: runId, name, tags, state: stateInputSchema })).default([]),
  edges: z.array(z.object({ taskRunId: id, upstreamId: id })).default([]),
  // The client's ids of entries (write-only): an entry written again with the same id is ignored.
  states: z.array(stateRecordSchema.extend({ name: name.min(1), message: stateInputSchema.shape.message, id: id.optional() })).default([]),
  logs: z.array(logInputSchema.extend({ id: id.optional() })).default([]),
  // Who the task runs are whose states come without their records (held for a later batch): named in their events, not written.
  heldTaskRuns: z.array(z.object({ id: runId, flowRunId: id.nullable(), name, taskKey: z.string(), tags })).optional(),
});

/** A state change of a flow run. */
export const setStateSchema = z.object({
  state: stateInputSchema,
  patch: z
    .object({ runCount: z.number().int().min(0).optional(), startTime: timestamp.optional(), endTime: timestamp.optional() })
    .optional(),
});

/** Query of the flow-run list. */
export const listQuerySchema = z.object({
  flow: z.string().optional(),
  state: z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), stateTypeSchema).optional(),
  tag: z.string().optional(),
  /** Only runs whose name contains this text, case ignored. */
  name: z.string().min(1).max(200).optional(),
  createdAfter: timestamp.optional(),
  createdBefore: timestamp.optional(),
  sort: z.enum(['newest', 'oldest']).default('newest'),
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});

/** A page of flow runs; `nextCursor` continues the list, null on the last page. */
export const flowRunPageSchema = z.object({ items: z.array(flowRunSchema), nextCursor: z.string().nullable() });

/** Query of a flow run's logs: `afterSeq` follows a run, giving only lines after the last one seen. */
export const logListQuerySchema = z.object({
  afterSeq: z.coerce.number().int().min(0).optional(),
});

/** A flow known to the record, with a summary of its runs. */
export const flowSummarySchema = z.object({
  name: z.string().min(1),
  runCount: z.number().int().min(1),
  firstRunAt: timestamp,
  lastRun: z.object({
    id,
    name: z.string(),
    state: stateSchema,
    createdAt: timestamp,
    startTime: timestamp.nullable(),
    endTime: timestamp.nullable(),
  }),
});

/** The `name` path parameter of a flow (exact, case-sensitive). */
export const flowNameParamsSchema = z.object({ name: z.string().min(1) });

/** The `id` path parameter. */
export const idParamsSchema = z.object({ id });

/** An error answer. */
export const errorSchema = z.object({
  error: z.string(),
  message: z.string(),
  rule: z.string().optional(),
  issues: z.array(z.object({ field: z.string(), reason: z.string() })).optional(),
});

/** The answer to a heartbeat: the run's current state, so the client learns of a cancel, and the server's crash timeout, so it beats often enough. */
export const heartbeatReplySchema = z.object({
  state: stateSchema,
  crashTimeoutMs: z.number().int().optional().describe('a run silent this long is marked Crashed: beat well within it (a client beats at least three times within it)'),
});
