/**
 * API write throughput with live-event readers: the API load (see server-load.ts) against a
 * server with no event-stream readers, then against a fresh one with `readers` connections
 * reading `GET /api/v1/events` (every event of every run). Prints both, their ratio, and
 * ok/MISSED against the target (with readers within 20 % of without).
 *
 * It also prints the server's CPU time per 1 000 requests (its process, all threads, from
 * /proc) in both runs and their ratio: on a machine whose cores are shared (here with the load
 * clients, the readers' process and whatever else runs), requests/s moves with the neighbours,
 * while the server's own cost per request is what readers add to.
 *
 * `tsx bench/server-sse.ts` runs it alone (env BENCH_API_CLIENTS, BENCH_API_SECONDS, BENCH_SSE_READERS).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { apiLoad, type LoadResult } from './server-load.js';
import { startServerProcess } from './server-process.js';

/** Open event streams that read (and drop) everything, in a process of their own. */
export interface SseReaders {
  /** Bytes received and readers the server closed (dropped for falling behind), so far. */
  stats(): Promise<{ bytes: number; dropped: number }>;
  close(): Promise<void>;
}

// The readers run in their own process: reading their data in this one would slow the load
// clients' event loop, and that would be measured as server throughput.
const READERS = `
const http = require('node:http');
const [url, count] = [process.argv[1], Number(process.argv[2])];
const agent = new http.Agent({ keepAlive: true, maxSockets: count });
let bytes = 0, dropped = 0, open = 0, closing = false;
for (let i = 0; i < count; i++) {
  const request = http.get(url + '/api/v1/events', { agent }, (response) => {
    response.on('data', (chunk) => { bytes += chunk.length; });
    response.on('close', () => { if (!closing) dropped++; });
    if (++open === count) process.send({ ready: true });
  });
  request.on('error', (error) => { if (!closing) { console.error(String(error)); process.exit(1); } });
}
process.on('message', (m) => {
  if (m === 'stats') process.send({ bytes, dropped });
  if (m === 'close') { closing = true; agent.destroy(); process.exit(0); }
});
`;

/** Starts `count` event-stream readers on `url` in a child process; resolves once every one is connected. */
export async function openSseReaders(url: string, count: number): Promise<SseReaders> {
  const child = spawn(process.execPath, ['-e', READERS, url, String(count)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the event-stream readers exited (${code}) before connecting`)));
  });
  return {
    stats: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as { bytes: number; dropped: number }));
        child.send('stats');
      }),
    close: async () => {
      const exited = once(child, 'exit');
      child.send('close');
      await exited;
    },
  };
}

/** CPU time (user + system, every thread) of process `pid` so far, in ms; NaN where /proc is missing. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return Number.NaN;
  }
}

/** The load against `url`, and the server's CPU ms per 1 000 requests while it was counted (after warm-up). */
async function measuredLoad(url: string, pid: number, clients: number, seconds: number): Promise<LoadResult & { cpuPer1000: number }> {
  const warmupSeconds = 2;
  let cpuStart = Number.NaN;
  const mark = setTimeout(() => (cpuStart = cpuMs(pid)), warmupSeconds * 1000);
  const result = await apiLoad(url, clients, seconds, warmupSeconds);
  clearTimeout(mark);
  return { ...result, cpuPer1000: ((cpuMs(pid) - cpuStart) / Math.max(1, result.requests)) * 1000 };
}

/** Runs the comparison and prints it. */
export async function sseBenchmark(options: { clients: number; seconds: number; readers: number }): Promise<void> {
  const { clients, seconds, readers } = options;
  process.stderr.write('API load without event-stream readers, SQLite:\n');
  let without: LoadResult & { cpuPer1000: number };
  const plain = await startServerProcess();
  try {
    without = await measuredLoad(plain.url, plain.pid, clients, seconds);
  } finally {
    await plain.stop();
  }
  process.stderr.write(`API load with ${readers} event-stream readers, SQLite:\n`);
  let withReaders: LoadResult & { cpuPer1000: number };
  let received = 0;
  let dropped = 0;
  const busy = await startServerProcess();
  try {
    const streams = await openSseReaders(busy.url, readers);
    try {
      withReaders = await measuredLoad(busy.url, busy.pid, clients, seconds);
    } finally {
      ({ bytes: received, dropped } = await streams.stats());
      await streams.close();
    }
  } finally {
    await busy.stop();
  }
  const ratio = withReaders.perSecond / without.perSecond;
  console.log(`\nAPI writes with live-event readers on SQLite: ${clients} clients x ${seconds} s, then again with ${readers} readers of /api/v1/events`);
  console.log(`  requests/s, no readers ${without.perSecond.toFixed(0).padStart(10)}   (errors ${without.errors})`);
  console.log(`  requests/s, ${String(readers).padEnd(3)} readers${withReaders.perSecond.toFixed(0).padStart(10)}   (errors ${withReaders.errors}; readers got ${(received / 1e6).toFixed(0)} MB, ${dropped} dropped for falling behind)`);
  console.log(`  ratio                  ${ratio.toFixed(2).padStart(10)}   (target >= 0.80) ${ratio >= 0.8 ? 'ok' : 'MISSED'}`);
  const cpuRatio = without.cpuPer1000 / withReaders.cpuPer1000;
  console.log(`  server CPU ms / 1000 requests: ${without.cpuPer1000.toFixed(0)} without readers, ${withReaders.cpuPer1000.toFixed(0)} with; ratio ${cpuRatio.toFixed(2)} (target >= 0.80) ${cpuRatio >= 0.8 ? 'ok' : 'MISSED'}`);
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  await sseBenchmark({
    clients: Number(process.env.BENCH_API_CLIENTS ?? 50),
    seconds: Number(process.env.BENCH_API_SECONDS ?? 30),
    readers: Number(process.env.BENCH_SSE_READERS ?? 200),
  });
}
