/**
 * The `sh` scripts an SshCluster runs on each host: a check (project directory, Node, Weft), a
 * `weft worker`, a Redis server. A long-running script stops its process when its stdin closes,
 * so closing the local `ssh` client, or losing the connection, stops the remote process too (no
 * pty needed). Secrets (the Redis URL and password) arrive on stdin, never in a command line
 * that the remote `ps` or an ssh log would show.
 */

/** Exit codes of the checks, read back into reasons by {@link remoteFailure}. */
export const NO_PROJECT = 91;
export const NO_NODE = 92;
export const NO_REDIS = 93;
export const NO_WEFT = 94;

/** `text` quoted for a POSIX shell. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Runs `command` in the background and stops it (SIGTERM) when stdin closes; exits with its code. */
function supervised(command: string, after = ''): string {
  return [
    // A background list's stdin is /dev/null (no job control): the watcher reads the saved fd 3.
    'exec 3<&0',
    `${command} & pid=$!`,
    '( while IFS= read -r _; do :; done; kill -TERM $pid 2>/dev/null ) <&3 & watcher=$!',
    `wait $pid; rc=$?; kill $watcher 2>/dev/null; ${after}exit $rc`,
  ].join('\n');
}

/** Checks the project directory, Node and a Weft to start (its path in `$W`). */
export function checkScript(projectDir: string): string {
  const dir = shellQuote(projectDir);
  return [
    `cd ${dir} 2>/dev/null || { echo "weft-ssh: no directory ${projectDir.replace(/[`"$\\]/g, '')}" >&2; exit ${NO_PROJECT}; }`,
    `command -v node >/dev/null 2>&1 || { echo "weft-ssh: node is not on the PATH" >&2; exit ${NO_NODE}; }`,
    'if [ -f node_modules/weft/bin/weft.js ]; then W=node_modules/weft/bin/weft.js',
    'elif [ -f bin/weft.js ] && [ -f dist/cli/main.js ]; then W=bin/weft.js',
    `else echo "weft-ssh: neither node_modules/weft nor a built Weft checkout here" >&2; exit ${NO_WEFT}; fi`,
  ].join('\n');
}

/**
 * Starts `weft worker` with the Redis URL read from stdin's first line, handed on through a pipe
 * (`weft worker -`; printf is a shell builtin, so the URL is in no process's arguments).
 */
export function workerScript(projectDir: string, nWorkers: number, concurrency: number): string {
  return [
    checkScript(projectDir),
    'IFS= read -r url',
    supervised(`printf '%s\\n' "$url" | node "$W" worker - --nworkers ${nWorkers} --concurrency ${concurrency}`),
  ].join('\n');
}

/** Starts a Redis server with the config lines read from stdin up to a line `END` (kept in a private temp file). */
export function redisScript(): string {
  return [
    `command -v redis-server >/dev/null 2>&1 || { echo "weft-ssh: redis-server is not on the PATH" >&2; exit ${NO_REDIS}; }`,
    'umask 077; conf=$(mktemp) || exit 1',
    'while IFS= read -r line; do [ "$line" = END ] && break; printf "%s\\n" "$line" >> "$conf"; done',
    supervised('redis-server "$conf"', 'rm -f "$conf"; '),
  ].join('\n');
}

/**
 * Why a remote script or the ssh client failed, in words, from its exit code and stderr.
 * @example
 * remoteFailure(255, 'Permission denied (publickey).'); // 'refused the key: Permission denied (publickey).'
 */
export function remoteFailure(code: number | null, stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('Warning: Permanently added'));
  const last = lines.at(-1) ?? (code === null ? 'the ssh client was killed' : `exit code ${code}`);
  switch (code) {
    case NO_PROJECT:
      return `lacks the project directory (${last.replace(/^weft-ssh: /, '')}): copy or mount the project there, or give another projectDir`;
    case NO_NODE:
      return 'lacks Node (node is not on the PATH of a non-interactive ssh session): install Node 20+ there';
    case NO_REDIS:
      return 'lacks redis-server (not on the PATH): install it (Debian: redis-server), or give an existing Redis with --redis';
    case NO_WEFT:
      return 'has no Weft in the project directory (neither node_modules/weft nor a built checkout): run npm ci there';
  }
  if (code === 255) {
    const all = lines.join(' ');
    if (/Permission denied/i.test(all)) return `refused the key: ${last}`;
    if (/Host key verification failed/i.test(all)) return `its host key is not known: ${last} (connect once with ssh, or add it to known_hosts)`;
    return `unreachable: ${last}`;
  }
  return last;
}
