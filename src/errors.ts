/**
 * Weft's errors. Every error a user can act on is a `WeftError` subclass with a message that
 * says what was wrong and what to do. Catch them by class: `err instanceof TaskTimeoutError`.
 */

/**
 * Base class of every error Weft raises on purpose.
 * @example
 * try { await myFlow({}) } catch (err) { if (err instanceof WeftError) console.error(err.message) }
 */
export class WeftError extends Error {
  override name = 'WeftError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    brand(this, new.target);
  }

  /**
   * `err instanceof TaskTimeoutError` holds for an error made by another copy of Weft in the same
   * process (a bundled and an installed one): besides the prototype chain, it reads the class
   * names every Weft error carries under a global symbol.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    const classes = typeof value === 'object' && value !== null ? (value as Record<symbol, unknown>)[ERROR_CLASSES] : undefined;
    return Array.isArray(classes) && classes.includes(this.name);
  }
}

/** Where a Weft error keeps the names of its class and of each class above it, up to `WeftError`. */
const ERROR_CLASSES = Symbol.for('weft.errorClasses');

/** Marks `error` with the class names of `Class` and its ancestors up to WeftError (error-wire.ts does the same for rebuilt errors). */
function brand(error: Error, Class: abstract new (...args: never[]) => unknown): void {
  const names: string[] = [];
  for (let c: unknown = Class; typeof c === 'function' && c !== Error && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    names.push((c as { name: string }).name);
  }
  Object.defineProperty(error, ERROR_CLASSES, { value: names, enumerable: false, configurable: true });
}

/** One field of a parameters object that failed validation. */
export interface ParameterIssue {
  /** Dotted path of the field, e.g. `n` or `config.retries`. */
  readonly path: string;
  /** Why it was refused. */
  readonly message: string;
}

/** A flow's parameters did not match its schema. No task ran. */
export class ParameterValidationError extends WeftError {
  override name = 'ParameterValidationError';
  /** Each bad field and why. */
  readonly issues: readonly ParameterIssue[];
  constructor(flowName: string, issues: readonly ParameterIssue[], options?: { cause?: unknown }) {
    const list = issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
    super(`Invalid parameters for flow '${flowName}': ${list}. Fix these fields and run again.`, options);
    this.issues = issues;
  }
}

/** A task run (or flow run) took longer than its `timeoutSeconds`. */
export class TaskTimeoutError extends WeftError {
  override name = 'TaskTimeoutError';
  constructor(what: string, seconds: number) {
    super(
      `${what} exceeded its timeout of ${seconds}s and was stopped. ` +
        `Raise timeoutSeconds, or make the function watch getRunContext().signal to stop early.`,
    );
  }
}

/** `.map()` was given iterables of different lengths. */
export class MappingLengthMismatchError extends WeftError {
  override name = 'MappingLengthMismatchError';
  constructor(taskName: string, lengths: readonly number[]) {
    super(
      `Cannot map task '${taskName}': the mapped arguments have different lengths (${lengths.join(', ')}). ` +
        `Give iterables of equal length, or wrap a value that every call should receive whole in unmapped().`,
    );
  }
}

/** A run was cancelled (by a signal, a user or the server). */
export class CancelledError extends WeftError {
  override name = 'CancelledError';
}

/** A value could not be recorded or written out (not serializable). */
export class UnserializableResultError extends WeftError {
  override name = 'UnserializableResultError';
}

/** A downstream task could not run because a task it depends on did not complete. */
export class UpstreamFailedError extends WeftError {
  override name = 'UpstreamFailedError';
  /** @param options.cause the upstream task run's error, so the root cause stays reachable */
  constructor(taskRunName: string, upstreamName: string, upstreamState: string, options?: { cause?: unknown }) {
    super(
      `Task run '${taskRunName}' did not run: its upstream task run '${upstreamName}' ended ${upstreamState}. ` +
        `Wrap the upstream future in allowFailure() to run anyway.`,
      options,
    );
  }
}

/** A task was called with a future that belongs to a different flow run. */
export class ForeignFutureError extends WeftError {
  override name = 'ForeignFutureError';
}

/** The user's code or command line asked for something that cannot be done as written. */
export class UsageError extends WeftError {
  override name = 'UsageError';
}

/**
 * A schedule (cron, interval or RRULE, with its time zone) cannot be used: the message says why
 * and shows a schedule that works. Refused where it is given (deploy, API, CLI), not at run time.
 */
export class InvalidScheduleError extends UsageError {
  override name = 'InvalidScheduleError';
  /** Why the schedule was refused, e.g. `cron: Invalid value for minute: 61`. */
  readonly reason: string;
  /** A valid schedule of the same kind, as JSON. */
  readonly example: string;
  constructor(reason: string, example: string, options?: { cause?: unknown }) {
    super(`Invalid schedule: ${reason}. A valid one looks like ${example}.`, options);
    this.reason = reason;
    this.example = example;
  }
}

/** A flow file or export could not be found or loaded. */
export class FlowLoadError extends WeftError {
  override name = 'FlowLoadError';
}

/** A run that is asked for does not exist in the record. */
export class RunNotFoundError extends WeftError {
  override name = 'RunNotFoundError';
}

/** A run was to be recorded under an id the record already has (HTTP 409 from the server). */
export class RunExistsError extends WeftError {
  override name = 'RunExistsError';
}

/** A request body the server does not accept before reading it (invalid UTF-8, JSON nested too deep): HTTP 400. */
export class RequestBodyError extends WeftError {
  override name = 'RequestBodyError';
}

/** The orchestration record could not be read or written. */
export class StoreError extends WeftError {
  override name = 'StoreError';
}

/** A flow run took longer than its `timeoutSeconds`. Its running task runs are cancelled. */
export class FlowTimeoutError extends WeftError {
  override name = 'FlowTimeoutError';
  constructor(flowRunName: string, seconds: number) {
    super(`Flow run '${flowRunName}' exceeded its timeout of ${seconds}s and was stopped. Raise timeoutSeconds on the flow.`);
  }
}

/** A task argument has no stable form to hash into a cache key (a function, a socket …). The task runs uncached. */
export class UnhashableInputError extends WeftError {
  override name = 'UnhashableInputError';
  /** Where in the arguments the value is, e.g. `config.client`. */
  readonly path: string;
  constructor(path: string, typeName: string) {
    super(
      `Cannot hash argument '${path}' (a ${typeName}) into a cache key; the task runs uncached. ` +
        `Exclude it from the cache policy (INPUTS.exclude('${path.split('.')[0] ?? path}')) or give a cacheKeyFn.`,
    );
    this.path = path;
  }
}

/** Result storage could not be written or read (a path that is not writable, an S3 endpoint that refuses). */
export class ResultStorageError extends WeftError {
  override name = 'ResultStorageError';
}

/**
 * A result path under a local storage goes through a symbolic link that leads outside the
 * storage directory; nothing was read, written or deleted there.
 */
export class ResultPathOutsideStorageError extends ResultStorageError {
  override name = 'ResultPathOutsideStorageError';
  /** The link on the way (a directory or the file itself). */
  readonly path: string;
  constructor(message: string, path: string) {
    super(message);
    this.path = path;
  }
}

/** A persisted result could not be decoded (corrupt or truncated file, unknown serializer). */
export class CorruptResultError extends WeftError {
  override name = 'CorruptResultError';
}

/** The orchestration server refused a state change by one of its rules (HTTP 409). */
export class OrchestrationRuleError extends WeftError {
  override name = 'OrchestrationRuleError';
  /** The rule that refused, e.g. `terminal-is-final`. */
  readonly rule: string;
  constructor(rule: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.rule = rule;
  }
}

/** The Weft server could not be reached or answered with an error. */
export class ServerUnavailableError extends StoreError {
  override name = 'ServerUnavailableError';
}

/**
 * A task cannot run on a cluster worker: the worker finds a task by importing the module that
 * defines it and looking up its name, so the task must be defined at the top level of a module
 * that imports cleanly.
 */
export class TaskNotImportableError extends WeftError {
  override name = 'TaskNotImportableError';
}

/** A module imported by a cluster worker started a flow at import time (it lacks an `isMain` guard). */
export class UnguardedFlowError extends WeftError {
  override name = 'UnguardedFlowError';
}

/** The worker process running a task attempt died (killed, out of memory) before it answered. */
export class WorkerCrashedError extends WeftError {
  override name = 'WorkerCrashedError';
}

/** A task's arguments could not be sent to a worker process (not serializable by structured clone). */
export class UnserializableArgumentsError extends WeftError {
  override name = 'UnserializableArgumentsError';
}

/** A cluster could not be started or reached. */
export class ClusterError extends WeftError {
  override name = 'ClusterError';
}

/**
 * An error thrown by a task on a worker, carried back with its original name, message and stack.
 * @deprecated Weft no longer makes these: a worker's error arrives as its own class (Weft's and the
 * standard ones) or as a plain `Error` keeping its name, message, stack, fields and cause.
 */
export class RemoteTaskError extends WeftError {
  /** The error's `name` in the worker (`TypeError`, `Error` …), so states read as for in-process runs. */
  override name: string;
  constructor(remoteName: string, message: string, stack?: string) {
    super(message);
    this.name = remoteName;
    if (stack) this.stack = stack;
  }
}

/** A worker has a different version of a task's module than the flow run that sent it. */
export class TaskVersionMismatchError extends WeftError {
  override name = 'TaskVersionMismatchError';
}

/** Waiting on a future (`result()`, `asCompleted()`) took longer than its `timeoutSeconds`; the task run itself goes on. */
export class FutureTimeoutError extends WeftError {
  override name = 'FutureTimeoutError';
}

/** A deployment that is asked for (by id, `FLOW/NAME` or a unique name) does not exist (HTTP 404). */
export class DeploymentNotFoundError extends RunNotFoundError {
  override name = 'DeploymentNotFoundError';
}

/**
 * The parameters of a deployment, or of a run of it (merged over the deployment's defaults), do not
 * match the flow's parameter schema that the deployment stores (HTTP 422 naming each field).
 */
export class DeploymentParameterError extends ParameterValidationError {
  override name = 'DeploymentParameterError';
  constructor(deployment: string, issues: readonly ParameterIssue[], options?: { cause?: unknown }) {
    super(deployment, issues, options);
    const list = issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
    this.message = `Invalid parameters for deployment '${deployment}': ${list}. Fix these fields (see \`weft deployments show ${deployment}\` for its parameters) and try again.`;
  }
}

/** A work pool that is asked for does not exist (HTTP 404); create it with `weft pools create NAME`. */
export class WorkPoolNotFoundError extends WeftError {
  override name = 'WorkPoolNotFoundError';
}

/** A work pool was to be created under a name the record already has (HTTP 409). */
export class WorkPoolExistsError extends WeftError {
  override name = 'WorkPoolExistsError';
}

/** A concurrency or rate limit that is asked for by name does not exist (HTTP 404). */
export class LimitNotFoundError extends WeftError {
  override name = 'LimitNotFoundError';
}

/** A concurrency or rate limit was to be created under a name already taken (HTTP 409). */
export class LimitExistsError extends WeftError {
  override name = 'LimitExistsError';
}

/**
 * No slot of a concurrency or rate limit came free within the `timeoutSeconds` of
 * `concurrency()` / `rateLimit()`; nothing is held.
 */
export class ConcurrencySlotTimeoutError extends WeftError {
  override name = 'ConcurrencySlotTimeoutError';
}

/**
 * A paused flow run was to be resumed (or a pause opened) but it is not in a state that allows
 * it: not PAUSED, already resumed, or its pause timed out (HTTP 409, rule `resume-needs-paused`).
 */
export class RunNotPausedError extends OrchestrationRuleError {
  override name = 'RunNotPausedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('resume-needs-paused', message, options);
  }
}

/**
 * The input given to resume a paused flow run does not match the pause's schema (HTTP 422 naming
 * each field); the run stays paused.
 */
export class PauseInputError extends ParameterValidationError {
  override name = 'PauseInputError';
  constructor(what: string, issues: readonly ParameterIssue[], options?: { cause?: unknown }) {
    super(what, issues, options);
    const list = issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
    this.message = `Invalid input to resume ${what}: ${list}. The run stays paused: resume it again with input that fixes these fields.`;
  }
}

/**
 * `pause()` / `suspend()` in a flow: the pause was rejected (with `weft runs resume ID --reject
 * REASON`, the API or the UI). The flow can catch it and go another way.
 */
export class PauseRejectedError extends WeftError {
  override name = 'PauseRejectedError';
  /** The reason the person gave. */
  readonly reason: string;
  constructor(key: string, reason: string, options?: { cause?: unknown }) {
    super(`Pause '${key}' was rejected: ${reason}`, options);
    this.reason = reason;
  }
}

/** `pause()` / `suspend()` in a flow: nobody resumed the run within the pause's `timeoutSeconds`; the run fails, paused and never resumed. */
export class PauseTimeoutError extends WeftError {
  override name = 'PauseTimeoutError';
}

/**
 * Thrown by `suspend()` to end the flow function while its run waits, suspended, for a resume:
 * the engine records nothing more and the process exits. Do not catch it (or rethrow it).
 */
export class FlowSuspendedError extends WeftError {
  override name = 'FlowSuspendedError';
}

/**
 * An artifact that cannot be stored as given: a key that is not lowercase letters, digits and
 * dashes, a table that is not rows or columns, content over its size limit (HTTP 400). Inside a
 * run, `createMarkdownArtifact()` and friends log it and the run goes on.
 */
export class ArtifactValidationError extends UsageError {
  override name = 'ArtifactValidationError';
}

/** An artifact that is asked for by id (or the latest of a key) does not exist (HTTP 404). */
export class ArtifactNotFoundError extends WeftError {
  override name = 'ArtifactNotFoundError';
}

/** A variable's name or value breaks the rules (name: lowercase letters, digits, _ and -, at most 255; value: at most 5000 characters of JSON) (HTTP 400). */
export class VariableValidationError extends UsageError {
  override name = 'VariableValidationError';
}

/** A variable that is asked for by name does not exist (HTTP 404). */
export class VariableNotFoundError extends WeftError {
  override name = 'VariableNotFoundError';
}

/** A variable was to be set under a name already taken, without `overwrite` (HTTP 409). */
export class VariableExistsError extends WeftError {
  override name = 'VariableExistsError';
}

/** A secret that is asked for by name does not exist (HTTP 404). The message names it, never a value. */
export class SecretNotFoundError extends WeftError {
  override name = 'SecretNotFoundError';
}

/**
 * The secrets cannot be decrypted or written: the key (`WEFT_SECRETS_KEY` or the key file
 * `WEFT_HOME/secrets.key`) is missing, malformed, too open (a key file readable by others), or not
 * the key the stored secrets were encrypted with. Nothing was overwritten.
 */
export class SecretKeyError extends WeftError {
  override name = 'SecretKeyError';
}

/** A secret value was asked for where values are not handed out (HTTP 403): a server without an API key. */
export class SecretAccessError extends WeftError {
  override name = 'SecretAccessError';
}

/** A resume link that was altered, malformed or signed by another server (HTTP 403). */
export class InvalidResumeLinkError extends WeftError {
  override name = 'InvalidResumeLinkError';
}

/** A resume link used after its expiry (HTTP 410). */
export class ResumeLinkExpiredError extends WeftError {
  override name = 'ResumeLinkExpiredError';
}

/** An automation's definition is refused (HTTP 422): `field` names what is wrong (`trigger.expect`, `actions[0].text`). */
export class AutomationValidationError extends UsageError {
  override name = 'AutomationValidationError';
  constructor(
    /** The field that is wrong, e.g. `actions[0].text`. */
    readonly field: string,
    /** Why, and what to do. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Invalid automation: ${field}: ${reason}.`, options);
  }
}

/** An automation that is asked for by id or name does not exist (HTTP 404). */
export class AutomationNotFoundError extends WeftError {
  override name = 'AutomationNotFoundError';
}

/** A notification could not be delivered (the reason, never the secret URL or password, is in the message). */
export class NotificationError extends WeftError {
  override name = 'NotificationError';
}

/**
 * A resource's cleanup failed (the original error is its `cause`). When the block that used the
 * resource failed too, the block's error decides the run and this one is attached to it (see
 * `cleanupErrors`) and logged.
 */
export class ResourceCleanupError extends WeftError {
  override name = 'ResourceCleanupError';
  constructor(resource: string, cause: unknown) {
    super(`Cleanup of resource '${resource}' failed: ${cause instanceof Error ? cause.message : String(cause)}. See the '${resource}.cleanup' task run's logs.`, { cause });
  }
}

/** A `shell` task's command exited non-zero (or could not start): `exitCode` and the tail of its stderr. */
export class ShellCommandError extends WeftError {
  override name = 'ShellCommandError';
  constructor(
    message: string,
    /** The command's exit code (127: not found; 128 + n: killed by signal n). */
    readonly exitCode: number,
    /** The last lines of its stderr. */
    readonly stderrTail: string,
  ) {
    super(message);
  }
}

/** An `httpRequest` (or `slackMessage`) got a response that is not 2xx (after its retries), or no response. */
export class HttpRequestError extends WeftError {
  override name = 'HttpRequestError';
  constructor(
    message: string,
    /** The last response's status; 0 when none came. */
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An `sqlQuery` statement failed: the database's message, and where in the statement when it says. */
export class SqlQueryError extends WeftError {
  override name = 'SqlQueryError';
  constructor(
    message: string,
    /** 1-based character position in the statement, when the database gives one. */
    readonly position: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An `s3Upload` / `s3Download` / `s3List` failed: a missing bucket or object, refused credentials, an unreachable endpoint. */
export class S3TaskError extends WeftError {
  override name = 'S3TaskError';
}

/** A `sendEmail` was refused by the SMTP server, or the server could not be reached. */
export class SendEmailError extends WeftError {
  override name = 'SendEmailError';
}
/** A task graph has more nodes than can be drawn (`weft visualize`, `weft runs graph`); the message says what to do. */
export class GraphTooLargeError extends UsageError {
  override name = 'GraphTooLargeError';
}

/** A graph could not be rendered as asked (e.g. PNG without Chromium); the message names the alternative. */
export class GraphRenderError extends WeftError {
  override name = 'GraphRenderError';
}

/**
 * An SSH cluster could not start on some hosts: `hosts` names each with the reason (refused the
 * key, unreachable, lacks Node, lacks the project directory ...); nothing is left running.
 */
export class SshClusterError extends WeftError {
  override name = 'SshClusterError';
  readonly hosts: ReadonlyArray<{ readonly host: string; readonly reason: string }>;
  constructor(message: string, hosts: ReadonlyArray<{ readonly host: string; readonly reason: string }>, options?: { cause?: unknown }) {
    super(message, options);
    this.hosts = hosts;
  }
}
