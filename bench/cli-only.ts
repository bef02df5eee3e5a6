/** `tsx bench/cli-only.ts`: only the CLI benchmarks of `npm run bench` (see bench/cli.ts for the env). */
import { cliBenchmarks } from './cli.js';

await cliBenchmarks({
  repeats: Number(process.env.BENCH_REPEATS ?? 3),
  sizes: (process.env.BENCH_CLI_SIZES ?? '1000,10000,100000').split(',').map(Number),
  redisN: Number(process.env.BENCH_N ?? 10_000),
  redis: process.env.BENCH_REDIS !== '0',
});
