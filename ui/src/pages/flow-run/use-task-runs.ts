import { useQuery } from '@tanstack/react-query';
import type { UseQueryResult } from '@tanstack/react-query';
import { api } from '../../api/client.js';
import type { FlowRun, TaskRun } from '../../api/types.js';
import { useLiveInvalidation } from '../../lib/use-live.js';

/** A flow run's task runs, refreshed while they change. */
export function useTaskRuns(run: FlowRun): UseQueryResult<TaskRun[]> {
  useLiveInvalidation((e) => e.kind === 'task-run-state' && e.flowRunId === run.id, [['task-runs', run.id]], 1500);
  return useQuery({ queryKey: ['task-runs', run.id], queryFn: () => api<TaskRun[]>(`/v1/flow-runs/${run.id}/task-runs`) });
}
