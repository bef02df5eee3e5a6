/** `tsx bench/server-only.ts`: only the server benchmarks (same env as `npm run bench`). */
import { serverBenchmarks } from './server.js';

await serverBenchmarks({
  n: Number(process.env.BENCH_N ?? 10_000),
  repeats: Number(process.env.BENCH_REPEATS ?? 5),
  clients: Number(process.env.BENCH_API_CLIENTS ?? 50),
  seconds: Number(process.env.BENCH_API_SECONDS ?? 30),
});
