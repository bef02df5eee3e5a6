/**
 * `mkdir -p` that always ends. Node's own `mkdir(path, { recursive: true })` (20.x) never returns
 * for a path under a file system that answers ENOENT to every create, such as `/proc/nope/x`: it
 * retries the parent forever, so a result storage set to such a place hung its run beyond Ctrl-C.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

const codeOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

/**
 * Creates `path` and the directories above it that are missing; resolves when `path` is a
 * directory, rejects with the file system's error (ENOENT, EACCES, ENOTDIR, EEXIST for a file) when
 * it cannot be made.
 * @example
 * await makeDirectory('/var/weft/results/ab');
 */
export async function makeDirectory(path: string): Promise<void> {
  try {
    await mkdir(path);
    return;
  } catch (error) {
    const code = codeOf(error);
    if (code === 'EEXIST' && (await stat(path)).isDirectory()) return;
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path) throw error;
    await makeDirectory(parent);
  }
  try {
    await mkdir(path); // its parent is there now: this one answers for itself
  } catch (error) {
    if (codeOf(error) !== 'EEXIST' || !(await stat(path)).isDirectory()) throw error;
  }
}
