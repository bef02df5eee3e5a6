// The API's types, inferred from the server's own zod schemas (never copied by hand).
import type { z } from 'zod';
import type { flowRunPageSchema, flowRunSchema, flowSummarySchema, logSchema, stateRecordSchema, taskRunWithUpstreamSchema } from '../../../src/server/schemas.js';
import type { StateType } from '../../../src/state-types.js';

export type { ClusterStatus, Dashboard, GraphEdge, GraphNode, LocalClusterStatus, RunGraph, TaskRunCounts, Timeline, TimelineAttempt, TimelineColumns } from '../../../src/server/ui/ui-schemas.js';
export type { UiSettings } from '../../../src/server/ui-assets.js';
export type { StateType };

/** A flow run. */
export type FlowRun = z.infer<typeof flowRunSchema>;
/** A page of flow runs. */
export type FlowRunPage = z.infer<typeof flowRunPageSchema>;
/** A task run with its upstream ids. */
export type TaskRun = z.infer<typeof taskRunWithUpstreamSchema>;
/** One entry of a state history. */
export type StateRecord = z.infer<typeof stateRecordSchema>;
/** A log line. */
export type LogLine = z.infer<typeof logSchema>;
/** A flow with a summary of its runs. */
export type FlowSummary = z.infer<typeof flowSummarySchema>;


export { STATE_TYPES } from '../../../src/state-types.js';
