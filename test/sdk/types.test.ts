import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  allowFailure,
  asCompleted,
  flow,
  task,
  unmapped,
  wait,
  type Flow,
  type FlowRunInfo,
  type State,
  type Task,
  type TaskFuture,
  type TaskFutureList,
  type TaskRunInfo,
  type WaitResult,
} from '../../src/index.js';

// These checks run in `npm run typecheck` (tsc). Calls that would start runs are wrapped in
// `typeOnly`, which never calls them: only their types are checked.
function typeOnly(_body: () => unknown): void {}

describe('type inference', () => {
  it('infers a task from its function', () => {
    const inc = task((x: number) => x + 1);
    expectTypeOf(inc).toEqualTypeOf<Task<[x: number], number>>();
    const asyncInc = task({ name: 'inc' }, async (x: number) => x + 1);
    expectTypeOf(asyncInc).toEqualTypeOf<Task<[x: number], number>>();
  });

  it('gives futures and future lists of the result type', () => {
    const inc = task({ name: 'inc' }, (x: number) => x + 1);
    expectTypeOf(inc).returns.toEqualTypeOf<Promise<number>>();
    typeOnly(() => {
      expectTypeOf(inc.submit(1)).toEqualTypeOf<TaskFuture<number>>();
      expectTypeOf(inc.map([1, 2])).toEqualTypeOf<TaskFutureList<number>>();
      expectTypeOf(inc.run([1], { returnState: true })).toEqualTypeOf<Promise<State<number>>>();
    });
  });

  it('accepts futures where values are expected and refuses wrong types', () => {
    const inc = task({ name: 'inc' }, (x: number) => x + 1);
    const add = task({ name: 'add' }, (x: number, y: number) => x + y);
    const total = task({ name: 'sum' }, (xs: number[]) => xs.reduce((a, b) => a + b, 0));
    const label = task({ name: 'label' }, (s: string) => s);
    typeOnly(() => [
      add.submit(inc.submit(1), 2),
      add.map(inc.map([1, 2]), [3, 4]),
      add.map([1, 2], unmapped(5)),
      total(inc.map([1, 2])),
      // @ts-expect-error a string future is not a number
      inc(label.submit('x')),
      // @ts-expect-error wrong argument type
      inc('one'),
      // @ts-expect-error too many arguments
      inc(1, 2),
    ]);
  });

  it('takes a flow parameter type from its zod schema', () => {
    const f = flow({ name: 'f', parameters: z.object({ n: z.number().default(1), tag: z.string() }) }, async ({ n, tag }) => {
      expectTypeOf(n).toEqualTypeOf<number>();
      return `${tag}${n}`;
    });
    expectTypeOf(f).toEqualTypeOf<Flow<{ n?: number | undefined; tag: string }, string>>();
    typeOnly(() => {
      expectTypeOf(f.run({ tag: 'a' }, { returnState: true })).toEqualTypeOf<Promise<State<string>>>();
      // @ts-expect-error tag is required
      return f({ n: 1 });
    });
  });

  it('lets a flow without parameters be called with none', () => {
    const g = flow({ name: 'g' }, async () => 5);
    const h = flow({ name: 'h' }, async ({ day }: { day: string }) => day.length);
    typeOnly(() => {
      expectTypeOf(g()).toEqualTypeOf<Promise<number>>();
      // @ts-expect-error day is required
      return h();
    });
  });
});

describe('type inference across the API', () => {
  it('carries results through submit, map, futures and their waits', () => {
    const inc = task({ name: 'inc' }, (x: number) => x + 1);
    const words = task({ name: 'words' }, (s: string, n: number) => s.repeat(n));
    typeOnly(async () => {
      const f = inc.submit(1);
      expectTypeOf(f.result()).toEqualTypeOf<Promise<number>>();
      expectTypeOf(f.result({ timeoutSeconds: 1 })).toEqualTypeOf<Promise<number>>();
      expectTypeOf(f.wait()).toEqualTypeOf<Promise<State<number>>>();
      expectTypeOf(f.state).toEqualTypeOf<State<number>>();
      const list = words.map(['a', 'b'], unmapped(3));
      expectTypeOf(list).toEqualTypeOf<TaskFutureList<string>>();
      expectTypeOf(list.result()).toEqualTypeOf<Promise<string[]>>();
      expectTypeOf(list.wait()).toEqualTypeOf<Promise<State<string>[]>>();
      expectTypeOf(list.at(0)).toEqualTypeOf<TaskFuture<string> | undefined>();
      for await (const done of asCompleted([f], { timeoutSeconds: 1 })) expectTypeOf(done).toEqualTypeOf<TaskFuture<number>>();
      const state = await inc.run([1], { returnState: true });
      expectTypeOf(state.readResult).toEqualTypeOf<(() => Promise<number>) | undefined>();
      expectTypeOf(await wait([f])).toEqualTypeOf<WaitResult<TaskFuture<number>>>();
    });
  });

  it('accepts futures, promises, future lists and allowFailure in arguments', () => {
    const inc = task({ name: 'inc' }, (x: number) => x + 1);
    const add = task({ name: 'add' }, (x: number, y: number) => x + y);
    const total = task({ name: 'sum' }, (xs: number[]) => xs.reduce((a, b) => a + b, 0));
    const describe = task({ name: 'describe' }, (value: unknown) => String(value));
    typeOnly(() => [
      add(inc(1), Promise.resolve(2)),
      add.submit(inc.submit(1), inc(2)),
      total([inc.submit(1), 2]),
      total(inc.map([1, 2])),
      add.map(inc.map([1, 2]), inc.submit(3)),
      describe(allowFailure(inc.submit(1))),
      describe.map(allowFailure(inc.map([1, 2]))),
      inc.run([1], { waitFor: [add.submit(1, 2)] }),
      // @ts-expect-error a list of strings is not a number[]
      total(['a']),
      // @ts-expect-error a string future list cannot map into a number parameter
      inc.map(task({ name: 's' }, (s: string) => s).map(['a'])),
      // @ts-expect-error unmapped of the wrong type
      add.map([1], unmapped('x')),
    ]);
  });

  it('maps over futures and promises of arrays, and refuses ones of the wrong item type', () => {
    const inc = task({ name: 'inc' }, (x: number) => x + 1);
    const add = task({ name: 'add' }, (x: number, y: number) => x + y);
    const extract = task({ name: 'extract' }, (): number[] => [1, 2]);
    const names = task({ name: 'names' }, (): string[] => ['a']);
    typeOnly(() => {
      expectTypeOf(inc.map(extract.submit())).toEqualTypeOf<TaskFutureList<number>>();
      expectTypeOf(inc.map(extract())).toEqualTypeOf<TaskFutureList<number>>();
      expectTypeOf(inc.map(Promise.resolve(new Set([1, 2])))).toEqualTypeOf<TaskFutureList<number>>();
      expectTypeOf(add.map(extract.submit(), inc.submit(1))).toEqualTypeOf<TaskFutureList<number>>();
      expectTypeOf(add.map(inc.map(extract.submit()), unmapped(extract.submit()).value)).toEqualTypeOf<TaskFutureList<number>>();
      expectTypeOf(inc.map(extract.submit()).ready()).toEqualTypeOf<Promise<TaskFutureList<number>>>();
      // @ts-expect-error a future of strings cannot map into a number parameter
      inc.map(names.submit());
      // @ts-expect-error a promise of strings neither
      inc.map(Promise.resolve(['a']));
    });
  });

  it('types hooks, retry conditions and run-name functions by their task or flow', () => {
    task(
      {
        name: 'hooked',
        onCompletion: (t, run, state) => {
          expectTypeOf(t).toEqualTypeOf<Task<[x: number], string>>();
          expectTypeOf(run).toEqualTypeOf<TaskRunInfo>();
          expectTypeOf(state).toEqualTypeOf<State>();
        },
        retryCondition: (_t, _run, state) => state.type === 'FAILED',
        taskRunName: (parameters) => `run-${String(parameters.x)}`,
      },
      (x: number) => String(x),
    );
    flow(
      {
        name: 'hooked-flow',
        parameters: z.object({ day: z.string() }),
        onFailure: (f, run) => {
          expectTypeOf(f.name).toEqualTypeOf<string>();
          expectTypeOf(run).toEqualTypeOf<FlowRunInfo>();
        },
      },
      async ({ day }) => day.length,
    );
    typeOnly(() => [
      // @ts-expect-error a hook must be a function
      task({ name: 'bad-hook', onFailure: 'notify' }, (x: number) => x),
      // @ts-expect-error retryDelaySeconds takes seconds, not strings
      task({ name: 'bad-delay', retryDelaySeconds: ['1s'] }, (x: number) => x),
    ]);
  });

  it('gives the function the zod output (defaults applied) and callers the input', () => {
    const schema = z.object({ n: z.number().default(3), when: z.string().transform((s) => new Date(s)) });
    const f = flow({ name: 'io', parameters: schema }, async ({ n, when }) => {
      expectTypeOf(n).toEqualTypeOf<number>();
      expectTypeOf(when).toEqualTypeOf<Date>();
      return n;
    });
    expectTypeOf(f).parameters.toEqualTypeOf<[parameters: { n?: number | undefined; when: string }]>();
    typeOnly(() => {
      // eslint-disable-next-line @typescript-eslint/unbound-method -- only its type is read
      expectTypeOf(f.fn).returns.toEqualTypeOf<number | Promise<number>>();
      expectTypeOf(f.run({ when: '2026-01-01' }, { returnState: true })).toEqualTypeOf<Promise<State<number>>>();
      // @ts-expect-error when must be a string before the transform
      return f({ when: new Date() });
    });
  });

  it('keeps the type of an annotated parameter with a default', () => {
    // An unannotated default (`factor = 10`) is typed by the task's rest-parameter context as
    // unknown (a TypeScript limitation of generic rest parameters): annotate it.
    const scaled = task({ name: 'scaled' }, (x: number, factor: number = 10) => x * factor);
    expectTypeOf(scaled).toEqualTypeOf<Task<[x: number, factor?: number], number>>();
    typeOnly(() => [scaled(1), scaled(1, 2)]);
  });

  it('types keyed concurrency keys from the task arguments and the flow parameters', () => {
    const sync = task({ name: 'sync', concurrency: { key: (tenant, id) => `${tenant.toUpperCase()}-${id.toFixed(0)}`, limit: 2 } }, (tenant: string, id: number) => id);
    expectTypeOf(sync).toEqualTypeOf<Task<[tenant: string, id: number], number>>();
    // @ts-expect-error a key must be a string
    task({ name: 'bad-key', concurrency: { key: (n: number) => n, limit: 1 } }, (n: number) => n);
    // @ts-expect-error the key takes the task's arguments
    task({ name: 'wrong-arg', concurrency: { key: (n: number) => String(n), limit: 1 } }, (s: string) => s);
    const onboard = flow({ name: 'onboard', concurrency: { key: ({ tenant }) => tenant, limit: 1 } }, ({ tenant }: { tenant: string }) => tenant.length);
    expectTypeOf(onboard).toEqualTypeOf<Flow<{ tenant: string }, number>>();
  });
});
