/**
 * `isMain(import.meta)`: true when this module is the program's entry point, the way Python
 * guards with `if __name__ == "__main__"`. `weft run` and workers import flow modules without
 * making them the entry, so a guarded module does not start its flow a second time.
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * True when the module whose `import.meta` is given was started directly (`tsx flow.ts`).
 * @example
 * if (isMain(import.meta)) await myFlow({ n: 10 });
 */
export function isMain(meta: ImportMeta): boolean {
  const native = (meta as ImportMeta & { main?: boolean }).main;
  if (typeof native === 'boolean') return native;
  const entry = process.argv[1];
  if (!entry || !meta.url.startsWith('file:')) return false;
  return real(fileURLToPath(meta.url)) === real(resolve(entry));
}
