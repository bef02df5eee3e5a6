import { describe, expect, it } from 'vitest';
import { flow, getRunContext, getRunLogger, task } from '../src/index.js';
import { MAX_LOG_MESSAGE_LENGTH, MAX_NAME_LENGTH, MAX_STATE_MESSAGE_LENGTH, clipText } from '../src/record-limits.js';
import { useTempHome } from './helpers/temp-home.js';

const home = useTempHome();

describe('clipText', () => {
  it('keeps a text within the limit as it is', () => {
    expect(clipText('short', 5)).toBe('short');
  });

  it('cuts a longer text to exactly the limit, marking the cut', () => {
    const cut = clipText('x'.repeat(50), 20);
    expect(cut).toHaveLength(20);
    expect(cut).toMatch(/^x+… \(cut\)$/);
  });
});

describe('the engine records texts within the limits the server accepts', () => {
  it('cuts an over-long rendered or default run name, logger name, log message and failure message', async () => {
    const longName = task({ name: 'long-name', taskRunName: '{label}' }, (label: string) => label.length);
    const longTask = task({ name: 't'.repeat(MAX_NAME_LENGTH + 5) }, () => 1);
    const shout = task({ name: 'shout' }, () => {
      throw new Error('e'.repeat(MAX_STATE_MESSAGE_LENGTH * 2));
    });
    let flowRunId = '';
    const f = flow({ name: 'long-texts', flowRunName: '{label}' }, async ({ label }: { label: string }) => {
      flowRunId = getRunContext().flowRun?.id ?? '';
      getRunLogger().info('m'.repeat(MAX_LOG_MESSAGE_LENGTH + 10));
      getRunLogger('l'.repeat(MAX_NAME_LENGTH + 1)).info('from a long logger name');
      await longName(label);
      await longTask();
      await shout.run([], { returnState: true });
      return 1;
    });
    await f({ label: 'n'.repeat(MAX_NAME_LENGTH * 3) });

    const store = await home.store();
    const run = await store.readFlowRun(flowRunId);
    expect(run?.name).toHaveLength(MAX_NAME_LENGTH);
    const taskRuns = await store.listTaskRuns(flowRunId);
    expect(taskRuns.find((t) => t.taskKey.endsWith(':long-name'))?.name).toHaveLength(MAX_NAME_LENGTH);
    expect(taskRuns.find((t) => t.name.startsWith('ttt'))?.name).toHaveLength(MAX_NAME_LENGTH);
    const failed = taskRuns.find((t) => t.taskKey.endsWith(':shout'));
    expect(failed?.state.type).toBe('FAILED');
    expect(failed?.state.message?.length).toBe(MAX_STATE_MESSAGE_LENGTH);
    expect(failed?.state.error?.message.length).toBe(MAX_STATE_MESSAGE_LENGTH);
    const logs = await store.listLogs(flowRunId);
    expect(logs.find((l) => l.message.startsWith('mmm'))?.message).toHaveLength(MAX_LOG_MESSAGE_LENGTH);
    expect(logs.find((l) => l.message === 'from a long logger name')?.name).toHaveLength(MAX_NAME_LENGTH);
  });
});
