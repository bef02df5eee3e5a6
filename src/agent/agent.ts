/**
 * A flow-run agent (`weft agent start --pool NAME`): claims due runs of its work pool (a long
 * poll, so a run starts within about a second of its time), runs each in its own `weft runs
 * execute` process in the deployment's project directory, and beats. It keeps a few processes
 * warm (booted, waiting on stdin for a run), one per free slot up to `warmProcesses`, so a due
 * run does not wait for Node and Weft to start; each still runs one run and exits. A beat's answer carries
 * the states of its runs: a run cancelled (or marked crashed) through the server has its process
 * stopped. A process that exits while its run is unfinished leaves the run CRASHED (or CANCELLED
 * if a cancel was asked), with how it ended. `stop()` drains: no new claims, the runs finish.
 * While the server cannot be reached the agent keeps its runs going and retries with backoff;
 * what it must record (a crash) waits for the server.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ServerUnavailableError, StoreError, WorkPoolNotFoundError } from '../errors.js';
import { isFinal } from '../states.js';
import { isSuspended } from '../store/pauses.js';
import type { StateSnapshot } from '../states.js';
import type { AgentRecord, RunLaunch } from '../store/work-pools.js';
import type { AgentConnection } from './agent-connection.js';
import { FlowRunProcess } from './flow-run-process.js';
import type { FlowRunExit } from './flow-run-process.js';

/** What an agent reports as it works (the CLI prints it, as text or JSON lines). */
export type AgentEvent =
  | { readonly kind: 'started'; readonly agent: AgentRecord }
  | { readonly kind: 'run-started'; readonly runId: string; readonly runName: string; readonly deployment: string | null; readonly pid: number | undefined }
  | { readonly kind: 'run-finished'; readonly runId: string; readonly state: StateSnapshot }
  | { readonly kind: 'run-not-started'; readonly runId: string; readonly reason: string }
  | { readonly kind: 'cancelling'; readonly runId: string }
  | { readonly kind: 'server-unreachable'; readonly reason: string; readonly retryInMs: number }
  | { readonly kind: 'draining'; readonly running: number }
  | { readonly kind: 'stopped' };

/** Options of {@link Agent}. */
export interface AgentOptions {
  readonly pool: string;
  readonly name: string;
  readonly host: string;
  /** The most runs at once; null for no limit of its own (the pool's limit still holds). */
  readonly limit: number | null;
  readonly connection: AgentConnection;
  /** The environment of each run's process (where it records, its settings). */
  readonly env: NodeJS.ProcessEnv;
  /** How often to beat, in ms. @default 2_000 */
  readonly heartbeatIntervalMs?: number;
  /** How long a stopped run's process has after SIGTERM before SIGKILL, in ms. @default 10_000 */
  readonly killGraceMs?: number;
  /**
   * How many booted processes to keep waiting for a run (at most one per free slot); 0 starts
   * each run's process when the run is claimed. @default 4
   */
  readonly warmProcesses?: number;
  /** How long one claim waits for a due run, in ms. @default 30_000 */
  readonly claimWaitMs?: number;
  /** Receives what the agent does. @default dropped */
  readonly onEvent?: (event: AgentEvent) => void;
  /** Receives the output of the runs' processes. @default dropped */
  readonly output?: (text: string, stream: 'stdout' | 'stderr') => void;
}

/** Runs claimed when the agent has no limit of its own, per claim. */
const UNLIMITED_BATCH = 50;
/** Warm processes kept by default (each an idle Node process of some 50 MB). */
const DEFAULT_WARM = 4;
/** The longest wait before replacing a warm process that exited without a run (it may fail to boot), in ms. */
const WARM_RETRY_MAX_MS = 60_000;
/** How long the agent keeps trying to record a run's end while the server is away, in ms. */
const RECORD_BUDGET_MS = 10 * 60_000;

interface RunningRun {
  readonly launch: RunLaunch;
  readonly process: FlowRunProcess;
  /** A cancel (or a crash mark) was seen: the process was asked to stop. */
  stopAsked: boolean;
  /** Settles once the process exited and its ending was recorded. */
  ended?: Promise<void>;
}

/** The reason a run cannot start on this machine, or undefined. */
function cannotStart(launch: RunLaunch, host: string): string | undefined {
  const dir = launch.deployment?.projectDir;
  if (dir === undefined || dir === null) return undefined;
  if (existsSync(dir) && statSync(dir).isDirectory()) return undefined;
  return (
    `The project directory ${resolve(dir)} of deployment '${launch.deployment?.name ?? ''}' does not exist on the agent's machine (${host}), so its flow cannot be loaded there. ` +
    'Check out the project there, or run agents of this pool only on machines that have it.'
  );
}

/** How a process ended, for a CRASHED state's message. */
function howItEnded(exit: FlowRunExit, pid: number | undefined): string {
  const who = `The flow-run process${pid === undefined ? '' : ` (pid ${pid})`}`;
  if (exit.spawnError) return `${who} could not be started: ${exit.spawnError.message}`;
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code ?? '?'}`;
  const tail = exit.stderrTail.trim().split('\n').slice(-5).join('\n');
  return `${who} ${how} before the run finished.${tail ? ` Its last output:\n${tail}` : ''}`;
}

/**
 * An agent of one work pool.
 * @example
 * const agent = new Agent({ pool: 'etl', name: 'etl-1', host: hostname(), limit: 4, connection, env });
 * process.once('SIGTERM', () => agent.stop());
 * await agent.run(); // resolves once stopped and drained
 */
export class Agent {
  readonly #running = new Map<string, RunningRun>();
  readonly #stopping = new AbortController();
  #slotFreed: () => void = () => undefined;
  #agent: AgentRecord | undefined;
  /** Booted processes waiting for a run, oldest first. */
  readonly #warm: FlowRunProcess[] = [];
  /** No warm process is started before this time (after one exited without a run). */
  #warmRetryAt = 0;
  #warmPauseMs = 0;

  constructor(private readonly options: AgentOptions) {}

  /** The agent's record, once registered. */
  get record(): AgentRecord | undefined {
    return this.#agent;
  }

  /** The ids of the runs it runs now. */
  get runningIds(): string[] {
    return [...this.#running.keys()];
  }

  /**
   * Registers and serves the pool until `stop()`, then waits for its runs to finish.
   * @throws WorkPoolNotFoundError when the pool does not exist; ServerUnavailableError when the server cannot be reached at start.
   */
  async run(): Promise<void> {
    const { connection, pool, name, host, limit } = this.options;
    const agent = await connection.register({ name, workPool: pool, host, pid: process.pid, runLimit: limit });
    this.#agent = agent;
    this.#emit({ kind: 'started', agent });
    this.#refillWarm();
    const beat = setInterval(() => void this.#beat(false), this.options.heartbeatIntervalMs ?? 2_000);
    try {
      await this.#claimLoop(agent.id);
      this.#emit({ kind: 'draining', running: this.#running.size });
      while (this.#running.size > 0) await new Promise<void>((resolveSlot) => (this.#slotFreed = resolveSlot));
    } finally {
      clearInterval(beat);
      this.#releaseWarm();
    }
    await this.#beat(true);
    this.#emit({ kind: 'stopped' });
  }

  /** Drains: claims nothing more; `run()` resolves once the running runs have finished. */
  stop(): void {
    this.#stopping.abort();
    this.#releaseWarm();
    this.#slotFreed();
  }

  /** Asks every running run's process to stop (each records itself Cancelled); for a second Ctrl-C. */
  cancelAll(): void {
    for (const [runId, run] of this.#running) {
      run.stopAsked = true;
      this.#emit({ kind: 'cancelling', runId });
      run.process.terminate(this.options.killGraceMs ?? 10_000);
    }
  }

  #emit(event: AgentEvent): void {
    this.options.onEvent?.(event);
  }

  async #claimLoop(agentId: string): Promise<void> {
    const { connection, pool, limit } = this.options;
    const signal = this.#stopping.signal;
    let backoff = 0;
    while (!signal.aborted) {
      const free = limit === null ? UNLIMITED_BATCH : limit - this.#running.size;
      if (free <= 0) {
        await new Promise<void>((resolveSlot) => (this.#slotFreed = resolveSlot));
        continue;
      }
      let runs: RunLaunch[];
      try {
        runs = await connection.claim({ agentId, pool, max: free, waitMs: this.options.claimWaitMs ?? 30_000, running: this.runningIds }, signal);
        backoff = 0;
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof WorkPoolNotFoundError) throw error;
        backoff = Math.min(Math.max(backoff * 2, 500), 10_000);
        this.#emit({ kind: 'server-unreachable', reason: error instanceof Error ? error.message : String(error), retryInMs: backoff });
        await delay(backoff, undefined, { signal }).catch(() => undefined);
        continue;
      }
      for (const launch of runs) this.#launch(launch);
    }
  }

  #launch(launch: RunLaunch): void {
    const id = launch.flowRun.id;
    const earlier = this.#running.get(id);
    if (earlier !== undefined) {
      // Claimed again (a retry) while the process of its previous execution is still exiting.
      void earlier.ended?.then(() => this.#launch(launch));
      return;
    }
    const reason = cannotStart(launch, this.options.host);
    if (reason !== undefined) {
      this.#emit({ kind: 'run-not-started', runId: id, reason });
      const failed: StateSnapshot = { type: 'FAILED', name: 'Failed', message: reason, timestamp: new Date().toISOString() };
      void this.#record(id, failed).then((recorded) => recorded && this.#emit({ kind: 'run-finished', runId: id, state: failed }));
      return;
    }
    const cwd = launch.deployment?.projectDir ?? process.cwd();
    const warm = this.#warm.shift();
    const child = warm?.assign(id, cwd) ? warm : FlowRunProcess.start({ runId: id, cwd, ...this.#processOptions() });
    if (child === warm) this.#warmPauseMs = 0;
    else warm?.release();
    const run: RunningRun = { launch, process: child, stopAsked: false };
    this.#running.set(id, run);
    this.#refillWarm();
    this.#emit({ kind: 'run-started', runId: id, runName: launch.flowRun.name, deployment: launch.deployment?.name ?? null, pid: child.pid });
    run.ended = child.done
      .then((exit) => this.#afterExit(run, exit))
      .finally(() => {
        this.#running.delete(id);
        this.#refillWarm();
        this.#slotFreed();
      });
  }

  #processOptions(): { env: NodeJS.ProcessEnv; output?: (text: string, stream: 'stdout' | 'stderr') => void } {
    return { env: this.options.env, ...(this.options.output ? { output: this.options.output } : {}) };
  }

  /** How many warm processes to keep now: one per free slot, up to `warmProcesses`; none once stopping. */
  #warmTarget(): number {
    if (this.#stopping.signal.aborted) return 0;
    const max = this.options.warmProcesses ?? DEFAULT_WARM;
    const free = this.options.limit === null ? max : this.options.limit - this.#running.size;
    return Math.max(0, Math.min(max, free));
  }

  /** Starts warm processes up to the target; one that exits without a run is replaced after a growing pause. */
  #refillWarm(): void {
    while (this.#warm.length < this.#warmTarget() && Date.now() >= this.#warmRetryAt) {
      const child = FlowRunProcess.warm(this.#processOptions());
      this.#warm.push(child);
      void child.done.then(() => {
        const at = this.#warm.indexOf(child);
        if (at < 0) return; // it was given a run, or let go
        this.#warm.splice(at, 1);
        this.#warmPauseMs = Math.min(Math.max(this.#warmPauseMs * 2, 1_000), WARM_RETRY_MAX_MS);
        this.#warmRetryAt = Date.now() + this.#warmPauseMs;
        setTimeout(() => this.#refillWarm(), this.#warmPauseMs).unref();
      });
    }
  }

  /** Lets every warm process go (each exits). */
  #releaseWarm(): void {
    for (const child of this.#warm.splice(0)) child.release();
  }

  /** Records how a run ended when its process left it unfinished; reports its final state. */
  async #afterExit(run: RunningRun, exit: FlowRunExit): Promise<void> {
    const id = run.launch.flowRun.id;
    const current = await this.#retrying(`read the state of flow run ${id}`, () => this.#stateOf(id));
    if (current === undefined) return;
    if (isFinal(current)) {
      this.#emit({ kind: 'run-finished', runId: id, state: current });
      return;
    }
    // suspend(): the process left the run waiting for a resume (a resumed one is reopened, below).
    if (isSuspended(current)) {
      this.#emit({ kind: 'run-finished', runId: id, state: current });
      return;
    }
    if (this.#reopened(run, current)) return;
    const now = new Date().toISOString();
    const ended = howItEnded(exit, run.process.pid);
    const final: StateSnapshot =
      current.type === 'CANCELLING' || run.stopAsked
        ? { type: 'CANCELLED', name: 'Cancelled', message: `Cancelled: the agent stopped the flow-run process. ${ended}`, timestamp: now }
        : { type: 'CRASHED', name: 'Crashed', message: ended, timestamp: now };
    if (await this.#record(id, final)) this.#emit({ kind: 'run-finished', runId: id, state: final });
    else {
      const after = await this.#stateOf(id).catch(() => undefined);
      if (after !== undefined) this.#emit({ kind: 'run-finished', runId: id, state: after });
    }
  }

  /**
   * True when the run finished and was reopened (a retry) after this process recorded it, so its
   * unfinished state belongs to a later execution: waiting for an agent (SCHEDULED), claimed
   * again (a PENDING newer than this launch's claim).
   * Such a run is not this process's to mark crashed. A later execution already RUNNING elsewhere
   * before this process was seen to exit is not told apart; its own heartbeats keep it honest.
   */
  #reopened(run: RunningRun, current: StateSnapshot): boolean {
    if (current.type === 'SCHEDULED') return true;
    return current.type === 'PENDING' && current.timestamp !== run.launch.flowRun.state.timestamp;
  }

  async #stateOf(id: string): Promise<StateSnapshot | undefined> {
    const agentId = this.#agent?.id ?? '';
    const [found] = await this.options.connection.heartbeat(agentId, [id], false);
    return found?.state;
  }

  /** Proposes a state, retrying while the server is away; false when a rule refused it. */
  async #record(id: string, state: StateSnapshot): Promise<boolean> {
    return (await this.#retrying(`record flow run ${id} ${state.name}`, () => this.options.connection.setState(id, state))) ?? false;
  }

  /** Runs `work`, retrying with backoff while the server is unavailable, for up to RECORD_BUDGET_MS; undefined when it gave up. */
  async #retrying<T>(action: string, work: () => Promise<T>): Promise<T | undefined> {
    const deadline = Date.now() + RECORD_BUDGET_MS;
    for (let pause = 500; ; pause = Math.min(pause * 2, 10_000)) {
      try {
        return await work();
      } catch (error) {
        const transient = error instanceof ServerUnavailableError || error instanceof StoreError;
        if (!transient || Date.now() + pause > deadline) {
          this.#emit({ kind: 'server-unreachable', reason: `Could not ${action}: ${error instanceof Error ? error.message : String(error)}`, retryInMs: 0 });
          return undefined;
        }
        this.#emit({ kind: 'server-unreachable', reason: `Could not ${action} yet`, retryInMs: pause });
        await delay(pause);
      }
    }
  }

  /** Beats; stops the processes of runs cancelled (or marked crashed) through the server. */
  async #beat(stopped: boolean): Promise<void> {
    const agentId = this.#agent?.id;
    if (agentId === undefined) return;
    let states: readonly { id: string; state: StateSnapshot }[];
    try {
      states = await this.options.connection.heartbeat(agentId, this.runningIds, stopped);
    } catch {
      return; // the claim loop reports an unreachable server; the next beat tries again
    }
    for (const { id, state } of states) {
      const run = this.#running.get(id);
      if (run === undefined || run.stopAsked) continue;
      if (state.type === 'CANCELLING' || state.type === 'CANCELLED' || state.type === 'CRASHED') {
        run.stopAsked = true;
        this.#emit({ kind: 'cancelling', runId: id });
        run.process.terminate(this.options.killGraceMs ?? 10_000);
      }
    }
  }
}
