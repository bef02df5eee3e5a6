/**
 * State-change hooks (`onRunning`, `onCompletion`, `onFailure`, `onCrashed`,
 * `onCancellation`): called after the state is recorded. A hook that throws is logged and
 * never changes the run's state.
 */

/** A hook: receives the task or flow, the run, and the state it entered. */
export type StateHook<Owner, Run, S> = (owner: Owner, run: Run, state: S) => void | Promise<void>;

/** One hook or several, as options accept them. */
export type HookOption<Owner, Run, S> = StateHook<Owner, Run, S> | readonly StateHook<Owner, Run, S>[];

/** Calls each hook in order, reporting (not throwing) failures. @internal */
export async function runHooks<Owner, Run, S>(
  hooks: HookOption<Owner, Run, S> | undefined,
  args: [Owner, Run, S],
  report: (hookName: string, error: unknown) => void,
): Promise<void> {
  if (!hooks) return;
  const list = typeof hooks === 'function' ? [hooks] : hooks;
  for (const hook of list) {
    try {
      await hook(...args);
    } catch (error) {
      report(hook.name || 'anonymous hook', error);
    }
  }
}
