/**
 * `tsx bench/cli-events.ts`: the seed workload through `weft run` (bench/cli.ts) with task-run
 * events recorded (the default) and then with WEFT_EVENTS_TASK_RUNS=false, in one command, so the
 * cost of recording task-run events is a ratio on the same machine at the same time.
 * BENCH_REPEATS (default 3) and BENCH_CLI_SIZES (default 10000) as in bench/cli-only.ts.
 */
import { cliBenchmarks } from './cli.js';

const options = {
  repeats: Number(process.env.BENCH_REPEATS ?? 3),
  sizes: (process.env.BENCH_CLI_SIZES ?? '10000').split(',').map(Number),
  redisN: 10_000,
  redis: false,
  startup: false,
};
console.log('== task-run events recorded (default)');
await cliBenchmarks(options);
console.log('\n== WEFT_EVENTS_TASK_RUNS=false');
process.env.WEFT_EVENTS_TASK_RUNS = 'false';
await cliBenchmarks(options);
