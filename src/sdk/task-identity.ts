/**
 * Where a task was defined: the module file that called `task()`, found from the call stack,
 * and its path relative to the project root (the nearest folder with a package.json). Workers
 * in other processes find a task by this module path and its name.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// Weft's own code, as built (dist/) and, through source maps, as written (src/).
const PACKAGE_ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const OWN_DIRS = [join(PACKAGE_ROOT, 'src') + sep, join(PACKAGE_ROOT, 'dist') + sep];

/** A place in a source file. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
}

function frameLocation(frame: string): SourceLocation | undefined {
  const match = /\(?((?:file:\/\/)?\/[^():]+):(\d+):\d+\)?\s*$/.exec(frame);
  const location = match?.[1];
  if (!location) return undefined;
  return { file: location.startsWith('file://') ? fileURLToPath(location) : location, line: Number(match[2]) };
}

/** Where the first stack frame outside Weft itself is, or undefined. @internal */
export function callerLocation(): SourceLocation | undefined {
  const stack = new Error().stack?.split('\n').slice(1) ?? [];
  for (const frame of stack) {
    const location = frameLocation(frame);
    if (!location || location.file.includes(`${sep}node_modules${sep}`)) continue;
    if (!OWN_DIRS.some((dir) => location.file.startsWith(dir))) return location;
  }
  return undefined;
}

const roots = new Map<string, string>();

/** The nearest ancestor folder of `file` with a package.json (or the file's folder). @internal */
export function projectRoot(file: string): string {
  const start = dirname(file);
  const cached = roots.get(start);
  if (cached) return cached;
  let dir = start;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  const root = existsSync(join(dir, 'package.json')) ? dir : start;
  roots.set(start, root);
  return root;
}

/** `module:name`, the module relative to its project root, e.g. `flows/etl.ts:extract`. @internal */
export function taskKeyFor(name: string, file: string | undefined): string {
  if (!file) return name;
  return `${relative(projectRoot(file), file).split(sep).join('/')}:${name}`;
}
