/**
 * The kinds of state a run can be in. This module imports nothing, so the web UI's browser
 * bundle can use it without pulling in Node code (states.ts imports error and redaction helpers).
 */

/** The kinds of state a run can be in. */
export type StateType =
  | 'SCHEDULED'
  | 'PENDING'
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLING'
  | 'CANCELLED'
  | 'CRASHED'
  | 'PAUSED';

/** Every state type, in lifecycle order. */
export const STATE_TYPES: readonly StateType[] = [
  'SCHEDULED',
  'PENDING',
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELLING',
  'CANCELLED',
  'CRASHED',
  'PAUSED',
];
