/**
 * Which flow modules the server may run itself (retries through the API): only those inside the
 * project directories it is configured to serve (`WEFT_SERVER_PROJECT_DIRS`, default the
 * directory it starts in). Paths are compared after `realpath`, so a symbolic link inside a
 * project directory that leads out of it is outside; an entrypoint that is not an absolute path
 * is never run. A flow run's `entrypoint` is whatever an API client recorded: without this check,
 * a client could make the server import any file on its machine.
 */
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, isAbsolute, relative, resolve, sep } from 'node:path';
import { UsageError } from '../errors.js';

/** Where an entrypoint is, seen from the project directories. */
export type EntrypointPlace =
  /** Inside one of them (its real path given): the server may run it. */
  | { readonly kind: 'inside'; readonly realPath: string }
  /** On this machine but outside them (or not an absolute path): never run. */
  | { readonly kind: 'outside' }
  /** Not on this machine: another machine may run it (`weft runs retry` there). */
  | { readonly kind: 'absent' };

/**
 * The real paths of the project directories `setting` names (path-delimiter separated), or of
 * `cwd` when it names none.
 * @throws UsageError naming WEFT_SERVER_PROJECT_DIRS for a directory that does not exist.
 * @example
 * const dirs = projectDirs(settings.server.projectDirs, process.cwd());
 */
export function projectDirs(setting: string, cwd: string): string[] {
  const named = setting.split(delimiter).filter((dir) => dir.trim() !== '');
  return (named.length === 0 ? [cwd] : named).map((dir) => {
    const absolute = resolve(cwd, dir);
    try {
      return realpathSync(absolute);
    } catch (cause) {
      throw new UsageError(`WEFT_SERVER_PROJECT_DIRS names ${absolute}, which does not exist. Give existing directories separated by '${delimiter}'.`, { cause });
    }
  });
}

/**
 * Where `entrypoint` is relative to `dirs` (real paths, from `projectDirs`).
 * @example
 * if (placeEntrypoint(run.entrypoint, dirs).kind === 'inside') launch(run);
 */
export function placeEntrypoint(entrypoint: string, dirs: readonly string[]): EntrypointPlace {
  if (!isAbsolute(entrypoint)) return existsSync(resolve(entrypoint)) ? { kind: 'outside' } : { kind: 'absent' };
  let realPath: string;
  try {
    realPath = realpathSync(entrypoint);
  } catch {
    return { kind: 'absent' };
  }
  const inside = dirs.some((dir) => {
    const rel = relative(dir, realPath);
    return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
  });
  return inside ? { kind: 'inside', realPath } : { kind: 'outside' };
}
