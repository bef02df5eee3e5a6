/** Starts `weft server start` in its own process for a benchmark and stops it after. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/weft.js', import.meta.url));

/** A running server process. */
export interface ServerProcess {
  readonly url: string;
  /** The server's process id. */
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts the built server (run `npm run build` first) with `env` on a free loopback port. */
export async function startServerProcess(env: Record<string, string> = {}): Promise<ServerProcess> {
  const home = mkdtempSync(join(tmpdir(), 'weft-bench-server-'));
  const { WEFT_API_URL: _api, WEFT_DATABASE_URL: _db, ...inherited } = process.env;
  const child = spawn(process.execPath, [BIN, 'server', 'start', '--port', '0'], {
    env: { ...inherited, WEFT_HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /listening at (http:\/\/\S+)/.exec(out);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`weft server exited (${code}) before listening:\n${out}${err}`)));
  });
  return {
    url,
    pid: child.pid ?? 0,
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      rmSync(home, { recursive: true, force: true });
    },
  };
}
