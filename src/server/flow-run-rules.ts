/**
 * The orchestration rules for flow-run state changes that other parties must agree on. A
 * proposed state is checked against the current one; a refusal names the rule.
 */
import { isFinal } from '../states.js';
import type { StateSnapshot } from '../states.js';
import { isSuspended } from '../store/pauses.js';

/** A rule's refusal. */
export interface RuleRefusal {
  /** The rule, e.g. `terminal-is-final`. */
  readonly rule: string;
  /** Why, and what to do instead. */
  readonly message: string;
}

/** True when two snapshots are the same state (a client sending the same change again). */
export function sameState(a: StateSnapshot, b: StateSnapshot): boolean {
  return a.type === b.type && a.name === b.name && a.timestamp === b.timestamp && (a.message ?? '') === (b.message ?? '');
}

/**
 * Checks a proposed state change; undefined when it is allowed.
 * - `no-running-after-cancel`: a CANCELLING or CANCELLED run does not start (again).
 * - `terminal-is-final`: a COMPLETED, FAILED, CANCELLED or CRASHED run keeps its state; only retry reopens it.
 * @example
 * const refusal = checkTransition(current, { type: 'RUNNING', name: 'Running', timestamp });
 */
export function checkTransition(current: StateSnapshot, proposed: StateSnapshot): RuleRefusal | undefined {
  if (proposed.type === 'RUNNING' && (current.type === 'CANCELLING' || current.type === 'CANCELLED')) {
    return {
      rule: 'no-running-after-cancel',
      message: `The flow run is ${current.type} and cannot move to RUNNING. Start a new run, or retry it once it is CANCELLED.`,
    };
  }
  if (isFinal(current)) {
    return {
      rule: 'terminal-is-final',
      message: `The flow run is already ${current.type} (${current.name}) and cannot move to ${proposed.type}. Use the retry endpoint to run it again.`,
    };
  }
  return undefined;
}

/** The state a cancel request moves a run to: CANCELLING while it runs (the runner confirms), else CANCELLED. */
export function cancelTarget(current: StateSnapshot, now: string): StateSnapshot | RuleRefusal {
  if (isFinal(current)) {
    return { rule: 'terminal-is-final', message: `The flow run is already ${current.type}; there is nothing to cancel.` };
  }
  if (current.type === 'CANCELLING') return current;
  // A paused run's process is alive and waiting: it confirms the cancel as a running one does.
  if (current.type === 'RUNNING' || (current.type === 'PAUSED' && !isSuspended(current))) return { type: 'CANCELLING', name: 'Cancelling', message: 'Cancel requested through the API.', timestamp: now };
  return { type: 'CANCELLED', name: 'Cancelled', message: 'Cancelled through the API before it started.', timestamp: now };
}

/** The state a retry moves a terminal run to. */
export function retryTarget(current: StateSnapshot, now: string): StateSnapshot | RuleRefusal {
  if (!isFinal(current)) {
    return { rule: 'retry-needs-terminal', message: `The flow run is ${current.type}; only a finished run can be retried.` };
  }
  return { type: 'SCHEDULED', name: 'AwaitingRetry', message: 'Retry requested through the API.', timestamp: now };
}
