/**
 * Cache policies: how a task run's cache key is computed from what it was called with. Two runs
 * with the same key share one persisted result. Policies compose with `plus`.
 */
import { createHash } from 'node:crypto';
import { stableHash } from './stable-hash.js';

/**
 * What a policy may look at to compute a key.
 * @example
 * const ctx: CacheKeyContext = { taskKey: 'flows/etl.ts:download', taskSource: fn.toString(), arguments: { url }, flowRunId: null, flowParameters: {} };
 */
export interface CacheKeyContext {
  /** The task's identity (module and name); part of every key. */
  readonly taskKey: string;
  /** The task function's source text. */
  readonly taskSource: string;
  /** The call's arguments by parameter name. */
  readonly arguments: Readonly<Record<string, unknown>>;
  /** The enclosing flow run's id, or `null` for a task called outside any flow. */
  readonly flowRunId: string | null;
  /** The enclosing flow run's parameters (`{}` outside a flow). */
  readonly flowParameters: Readonly<Record<string, unknown>>;
}

/**
 * Computes a task run's cache key.
 * @example
 * task({ name: 'download', cachePolicy: INPUTS.plus(TASK_SOURCE) }, download);
 */
export interface CachePolicy {
  /** e.g. `inputs`, `inputs+task_source`, `inputs(exclude: token)`. */
  readonly name: string;
  /**
   * A short hex key (safe as a storage key) that always includes `ctx.taskKey`, or `undefined`
   * for "do not cache". Throws `UnhashableInputError` for inputs with no stable form.
   */
  computeKey(ctx: CacheKeyContext): string | undefined;
  /** A policy whose key depends on what both depend on; `undefined` if either says not to cache. */
  plus(other: CachePolicy): CachePolicy;
}

/** A component's answer: a string to fold into the key, or `undefined` = do not cache. */
type Part = string | undefined;

const KEY_FORMAT = 'weft-cache-key-v1';
const KEY_HEX_LENGTH = 32;

/** The base of the built-in policies: each contributes one part; the key hashes task key and parts. */
abstract class PartPolicy implements CachePolicy {
  abstract readonly name: string;

  /** This policy's contribution to the key. */
  abstract parts(ctx: CacheKeyContext): Part[];

  /** The simple policies this one is made of. */
  members(): readonly PartPolicy[] {
    return [this];
  }

  computeKey(ctx: CacheKeyContext): string | undefined {
    const parts = this.parts(ctx);
    if (parts.some((p) => p === undefined)) return undefined;
    return createHash('sha256')
      .update(JSON.stringify([KEY_FORMAT, ctx.taskKey, this.name, parts]))
      .digest('hex')
      .slice(0, KEY_HEX_LENGTH);
  }

  plus(other: CachePolicy): CachePolicy {
    const others = other instanceof PartPolicy ? other.members() : [new ForeignPolicy(other)];
    const byName = new Map<string, PartPolicy>();
    for (const member of [...this.members(), ...others]) byName.set(member.name, member);
    const members = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return members.length === 1 && members[0] ? members[0] : new CompoundPolicy(members);
  }
}

/** A user-written `CachePolicy` inside a composition: its key is one part. */
class ForeignPolicy extends PartPolicy {
  readonly name: string;
  constructor(private readonly inner: CachePolicy) {
    super();
    this.name = inner.name;
  }
  parts(ctx: CacheKeyContext): Part[] {
    return [this.inner.computeKey(ctx)];
  }
}

class CompoundPolicy extends PartPolicy {
  readonly name: string;
  constructor(private readonly list: readonly PartPolicy[]) {
    super();
    this.name = list.map((m) => m.name).join('+');
  }
  override members(): readonly PartPolicy[] {
    return this.list;
  }
  parts(ctx: CacheKeyContext): Part[] {
    return this.list.flatMap((m) => m.parts(ctx));
  }
}

/**
 * The `inputs` policy: the key depends on the call's arguments, hashed canonically by
 * `stableHash`. `exclude(...names)` leaves arguments out (a client, a logger, a token).
 * @example
 * task({ cachePolicy: INPUTS.exclude('client') }, async (url: string, client: Client) => …);
 */
export class Inputs extends PartPolicy {
  readonly name: string;
  /** Argument names left out of the key. */
  readonly excluded: readonly string[];

  constructor(excluded: readonly string[] = []) {
    super();
    this.excluded = [...new Set(excluded)].sort();
    this.name = this.excluded.length === 0 ? 'inputs' : `inputs(exclude: ${this.excluded.join(',')})`;
  }

  /** The same policy with these argument names also left out. */
  exclude(...names: string[]): Inputs {
    return new Inputs([...this.excluded, ...names]);
  }

  parts(ctx: CacheKeyContext): Part[] {
    const kept = Object.fromEntries(Object.entries(ctx.arguments).filter(([name]) => !this.excluded.includes(name)));
    return [stableHash(kept)];
  }
}

class SimplePolicy extends PartPolicy {
  constructor(
    readonly name: string,
    private readonly part: (ctx: CacheKeyContext) => Part,
  ) {
    super();
  }
  parts(ctx: CacheKeyContext): Part[] {
    return [this.part(ctx)];
  }
}

/**
 * Key from the task's arguments (all of them; see `Inputs.exclude`).
 * @example
 * task({ name: 'fetch', cachePolicy: INPUTS }, fetchPage);
 */
export const INPUTS: Inputs = new Inputs();

/** Source hashes by source text: a task's source is the same string on every call. */
const sourceHashes = new Map<string, string>();
const SOURCE_HASHES_MAX = 4096;

function sourceHash(source: string): string {
  let hash = sourceHashes.get(source);
  if (hash === undefined) {
    hash = stableHash(source);
    if (sourceHashes.size >= SOURCE_HASHES_MAX) sourceHashes.clear();
    sourceHashes.set(source, hash);
  }
  return hash;
}

/**
 * Key from the task function's source text: editing the function invalidates its cache.
 * @example
 * task({ name: 'fit', cachePolicy: INPUTS.plus(TASK_SOURCE) }, fit);
 */
export const TASK_SOURCE: CachePolicy = new SimplePolicy('task_source', (ctx) => sourceHash(ctx.taskSource));

/**
 * Key from the enclosing flow run's parameters.
 * @example
 * task({ name: 'load', cachePolicy: FLOW_PARAMETERS }, load);
 */
export const FLOW_PARAMETERS: CachePolicy = new SimplePolicy('flow_parameters', (ctx) => stableHash(ctx.flowParameters));

/**
 * Key from the enclosing flow run's id: cached within one run (and its retries), never across
 * runs. A task called outside any flow is not cached.
 * @example
 * task({ name: 'step', cachePolicy: INPUTS.plus(RUN_ID) }, step);
 */
export const RUN_ID: CachePolicy = new SimplePolicy('run_id', (ctx) => (ctx.flowRunId === null ? undefined : ctx.flowRunId));

/**
 * Never cache. In a composition, makes the whole composition not cache.
 * @example
 * task({ name: 'now', cachePolicy: NONE }, () => Date.now());
 */
export const NONE: CachePolicy = new SimplePolicy('none', () => undefined);

/**
 * Prefect's default composition: inputs, task source and flow run id.
 * @example
 * task({ name: 'step', cachePolicy: DEFAULT }, step);
 */
export const DEFAULT: CachePolicy = INPUTS.plus(TASK_SOURCE).plus(RUN_ID);
