import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { flow, task, unmapped, type Flow, type State, type Task, type TaskFuture, type TaskFutureList } from '../../src/index.js';

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
