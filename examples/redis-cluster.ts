/**
 * A flow that names no task runner, so where its task runs execute is decided by the settings:
 * in this process by default, or on the workers of a Redis cluster with
 *
 *   weft worker redis://127.0.0.1:6379 --nworkers 2          # on each worker machine, in the project directory
 *   WEFT_TASK_RUNNER=cluster WEFT_CLUSTER_ADDRESS=redis://127.0.0.1:6379 \
 *     ./bin/weft.js run examples/redis-cluster.ts --param chunks=16
 *
 * Each task hashes one chunk of generated data many times over (SHA-256), then the digests are
 * combined in order. The digest is the same wherever the chunks ran; `ranOn` says where that was.
 * Workers import this module to find the tasks: tasks at the top level, the flow call guarded.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import { flow, isMain, task } from 'weft';

/** SHA-256 of chunk `index` (64 KiB of bytes derived from the index), hashed `rounds` times. */
export const hashChunk = task({ name: 'hash-chunk' }, (index: number, rounds: number) => {
  const data = Buffer.alloc(64 * 1024, `chunk-${index}`);
  let digest = createHash('sha256').update(data).digest();
  for (let i = 1; i < rounds; i++) digest = createHash('sha256').update(digest).update(data).digest();
  return { index, digest: digest.toString('hex'), ranOn: `${hostname()}:${process.pid}` };
});

/** One digest over the chunks' digests, in chunk order, and the processes that computed them. */
export const combine = task({ name: 'combine' }, (parts: { index: number; digest: string; ranOn: string }[]) => {
  const hash = createHash('sha256');
  for (const part of [...parts].sort((a, b) => a.index - b.index)) hash.update(part.digest);
  return { digest: hash.digest('hex'), ranOn: [...new Set(parts.map((p) => p.ranOn))].sort() };
});

export const hashChunks = flow(
  {
    name: 'hash-chunks',
    parameters: z.object({
      chunks: z.number().int().min(1).max(10_000).default(16),
      rounds: z.number().int().min(1).default(200),
    }),
  },
  async ({ chunks, rounds }) => {
    const indexes = Array.from({ length: chunks }, (_, i) => i);
    const { digest, ranOn } = await combine(hashChunk.map(indexes, rounds));
    return { chunks, rounds, digest, ranOn };
  },
);

if (isMain(import.meta)) console.log(await hashChunks({ chunks: 16, rounds: 200 }));
