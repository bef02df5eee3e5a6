// The API's types of deployments, schedules, work pools, agents and limits, inferred from the
// server's own zod schemas (never copied by hand).
import type { z } from 'zod';
import type { deploymentDetailSchema, deploymentListItemSchema, deploymentSchema } from '../../../src/server/deployment-schemas.js';
import type { limitSchema } from '../../../src/server/routes/limits.js';
import type { scheduleViewSchema } from '../../../src/server/schedule-schemas.js';
import type { errorSchema } from '../../../src/server/schemas.js';
import type { agentSchema, workPoolSchema } from '../../../src/server/work-pool-schemas.js';

/** A deployment (without its schedules). */
export type Deployment = z.infer<typeof deploymentSchema>;
/** A deployment of the list with `summary=true`: its schedules, next run time and latest runs. */
export type DeploymentListItem = z.infer<typeof deploymentListItemSchema>;
/** A deployment with its schedules. */
export type DeploymentDetail = z.infer<typeof deploymentDetailSchema>;
/** A schedule as the schedules API shows it: a human description and its next times. */
export type ScheduleView = z.infer<typeof scheduleViewSchema>;
/** A work pool with its scheduled, late and active run counts. */
export type WorkPool = z.infer<typeof workPoolSchema>;
/** An agent of a work pool. */
export type Agent = z.infer<typeof agentSchema>;
/** A concurrency or rate limit with its holders. */
export type Limit = z.infer<typeof limitSchema>;
/** The body of an API error answer (a 422 names each field in `issues`). */
export type ErrorBody = z.infer<typeof errorSchema>;
