/**
 * What an agent needs from the orchestration record, whether it reaches it through a server's
 * API (`weft agent start`) or holds it in its own process (`weft serve` over SQLite).
 */
import type { StateSnapshot } from '../states.js';
import type { AgentRecord, RunLaunch } from '../store/work-pools.js';

/** An agent as it introduces itself. */
export interface AgentIntroduction {
  readonly name: string;
  readonly workPool: string;
  readonly host: string;
  readonly pid: number;
  readonly runLimit: number | null;
}

/** One claim of due runs. */
export interface AgentClaim {
  readonly agentId: string;
  readonly pool: string;
  readonly max: number;
  /** How long to wait for a run to fall due, in ms. */
  readonly waitMs: number;
  /** The runs the agent runs now. */
  readonly running: readonly string[];
}

/** The agent's side of the record. */
export interface AgentConnection {
  /**
   * Records the agent; gives its record (with its id).
   * @throws WorkPoolNotFoundError when its pool does not exist.
   */
  register(agent: AgentIntroduction): Promise<AgentRecord>;
  /** Claims due runs, waiting up to `waitMs` for one; `signal` gives up the wait. */
  claim(claim: AgentClaim, signal?: AbortSignal): Promise<RunLaunch[]>;
  /** The agent is alive (or `stopped`); gives the current state of the runs it names. */
  heartbeat(agentId: string, runIds: readonly string[], stopped: boolean): Promise<{ readonly id: string; readonly state: StateSnapshot }[]>;
  /**
   * Proposes a state for a run (checked by the orchestration rules); false when a rule refused
   * it (the run had moved on, e.g. finished).
   */
  setState(runId: string, state: StateSnapshot): Promise<boolean>;
  /** Releases what the connection holds. */
  close(): Promise<void>;
}
