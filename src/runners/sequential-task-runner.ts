/**
 * A runner that executes one task run at a time, in submission order: for debugging, and for
 * tasks that must not overlap.
 */
import { ConcurrentTaskRunner } from './concurrent-task-runner.js';
import type { TaskRunner } from './task-runner.js';

/**
 * Runs task runs one at a time, in the order they became ready.
 * @example
 * flow({ name: 'ordered', taskRunner: new SequentialTaskRunner() }, fn);
 */
export class SequentialTaskRunner extends ConcurrentTaskRunner {
  constructor() {
    super({ maxConcurrency: 1 });
  }

  override get name(): string {
    return 'SequentialTaskRunner';
  }

  override duplicate(): SequentialTaskRunner {
    return new SequentialTaskRunner();
  }

  override equals(other: TaskRunner): boolean {
    return other instanceof SequentialTaskRunner;
  }
}
