/**
 * Visualize mode: a flow's function runs with task calls drawn instead of run. Each test checks
 * that no task function ran, and the nodes, counts, edges and notes drawn.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { flow, ParameterValidationError, task, unmapped } from '../../src/index.js';
import type { DrawnGraph } from '../../src/index.js';
import { useTempHome } from '../helpers/temp-home.js';

const { store } = useTempHome();

let ran = 0;
const inc = task({ name: 'inc' }, (x: number) => (ran++, x + 1));
const dec = task({ name: 'dec' }, (x: number) => (ran++, x - 1));
const add = task({ name: 'add' }, (x: number, y: number) => (ran++, x + y));
const sum = task({ name: 'sum' }, (xs: number[]) => (ran++, xs.reduce((a, b) => a + b, 0)));
const list = task({ name: 'list' }, (n: number) => (ran++, Array.from({ length: n }, (_, i) => i)));
const say = task({ name: 'say' }, (text: string) => (ran++, text));
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** `source label -> target label` for each edge, sorted, with `(wait)` for waitFor edges. */
function edgesOf(graph: DrawnGraph): string[] {
  const label = new Map(graph.nodes.map((n) => [n.id, n.label]));
  return graph.edges.map((e) => `${label.get(e.source)} -> ${label.get(e.target)}${e.wait ? ' (wait)' : ''}`).sort();
}

describe('flow.visualize()', () => {
  it('draws the seed workload with each map as one node of its count, and runs no task', async () => {
    const seed = flow({ name: 'seed', parameters: z.object({ n: z.number().int().default(100) }) }, async ({ n }) => {
      const adds = add.map(inc.map(range(n)), dec.map(range(n)));
      return sum(adds);
    });
    ran = 0;
    const graph = await seed.visualize({ n: 7 });
    expect(ran).toBe(0);
    expect(graph.title).toBe('seed');
    expect(graph.nodes.map((n) => [n.label, n.kind, n.count])).toEqual([
      ['inc', 'map', 7],
      ['dec', 'map', 7],
      ['add', 'map', 7],
      ['sum', 'task', 1],
    ]);
    expect(edgesOf(graph)).toEqual(['add -> sum', 'dec -> add', 'inc -> add']);
    expect(graph.edges.find((e) => e.target === graph.nodes[2]!.id)?.count).toBe(7);
    expect(graph.notes).toEqual([]);
    expect((await seed.visualize()).nodes[0]!.count).toBe(100); // schema defaults apply
    expect(await (await store()).listFlowRuns({})).toEqual([]); // nothing recorded
  });

  it('draws an edge for an awaited result passed on, a property of it, and one written into a string', async () => {
    const chain = flow({ name: 'chain' }, async () => {
      const a = await inc(1);
      const b = await dec(a);
      const rows = await list(3);
      await add(b, (rows as unknown as { length: number }).length);
      await say(`b was ${b}`);
    });
    const graph = await chain.visualize();
    expect(edgesOf(graph)).toEqual(['dec -> add', 'dec -> say', 'inc -> dec', 'list -> add']);
  });

  it('marks a map over a task result as of unknown count and says the shape depends on it', async () => {
    const dynamic = flow({ name: 'dynamic' }, async () => {
      const items = await list(5);
      const incs = inc.map(items);
      const decs = dec.map(list.submit(3)); // over a future: mapped once it is final
      return sum(add.map(incs, unmapped(1))).then((s) => [s, decs]);
    });
    const graph = await dynamic.visualize();
    const byLabel = new Map(graph.nodes.map((n) => [n.label, n]));
    expect(byLabel.get('inc')?.count).toBeNull();
    expect(byLabel.get('dec')?.count).toBeNull();
    expect(byLabel.get('add')?.count).toBeNull();
    expect(edgesOf(graph)).toContain('list -> dec');
    expect(edgesOf(graph)).toContain('list -> inc');
    expect(graph.notes.join('\n')).toMatch(/×\? marks a map over a task's result.*\(inc, add, dec\)/);
    expect(graph.notes.join('\n')).toMatch(/depend on the result of 'list' \(the flow iterates over it\)/);
  });

  it('says when a branch reads a task result, and draws the branch the placeholder takes', async () => {
    const branchy = flow({ name: 'branchy' }, async () => {
      const total = await sum([1, 2]);
      if (total > 10) await say('big');
      else await say('small');
    });
    const graph = await branchy.visualize();
    expect(graph.nodes.map((n) => n.label)).toEqual(['sum', 'say']);
    expect(graph.notes).toEqual([expect.stringMatching(/may depend on the result of 'sum' \(the flow reads its value\)/)]);
  });

  it('draws waitFor edges as waits and a subflow as one node fed by its parameters', async () => {
    const child = flow({ name: 'child' }, async ({ x }: { x: number }) => {
      ran++;
      return inc(x);
    });
    const parent = flow({ name: 'parent' }, async () => {
      const a = inc.submit(1);
      const b = await child({ x: a as unknown as number });
      await dec.run([b], { waitFor: [a] });
    });
    ran = 0;
    const graph = await parent.visualize();
    expect(ran).toBe(0);
    expect(graph.nodes.map((n) => [n.label, n.kind])).toEqual([
      ['inc', 'task'],
      ['child', 'flow'],
      ['dec', 'task'],
    ]);
    expect(edgesOf(graph)).toEqual(['child -> dec', 'inc -> child', 'inc -> dec (wait)']);
  });

  it('draws what it can when the flow function fails on a placeholder, and says why it stopped', async () => {
    const picky = flow({ name: 'picky' }, async () => {
      const n = await inc(1);
      await dec(2);
      (n as unknown as { toFixed(d: number): string }).toFixed(2);
      await add(1, 2);
    });
    const graph = await picky.visualize();
    expect(graph.nodes.map((n) => n.label)).toEqual(['inc', 'dec']);
    expect(graph.notes[0]).toMatch(/stopped early with TypeError: .*toFixed is not a function/);
  });

  it('stops a flow that loops on a task result after maxCalls task calls', async () => {
    const poll = flow({ name: 'poll' }, async () => {
      while ((await say('status')) !== 'done') await inc(1);
    });
    const graph = await poll.visualize(undefined, { maxCalls: 50 });
    expect(graph.nodes).toHaveLength(50);
    expect(graph.notes.join('\n')).toMatch(/Drawing stopped after 50 task calls/);
  });

  it('refuses invalid parameters before drawing', async () => {
    const typed = flow({ name: 'typed', parameters: z.object({ n: z.number().int() }) }, async ({ n }) => inc(n));
    await expect(typed.visualize({ n: 'x' } as never)).rejects.toBeInstanceOf(ParameterValidationError);
  });

  it('leaves running a flow as it was: the real run computes with real results', async () => {
    const seed = flow({ name: 'seed-real' }, async () => sum(add.map(inc.map(range(4)), dec.map(range(4)))));
    await seed.visualize();
    ran = 0;
    expect(await seed()).toBe(12);
    expect(ran).toBe(13);
  });
});
