/**
 * Taking stdout over while user code runs: with `weft run --json` everything written to stdout
 * (console.log, console.info, process.stdout.write) goes to stderr so stdout holds one
 * document; under a live progress bar it goes through the bar so the display stays intact.
 */

/** Restores stdout and writes to it. */
export interface StdoutGuard {
  /** Writes `text` to the real stdout; resolves once it is handed to the OS. */
  write(text: string): Promise<void>;
  /** Puts stdout back as it was. */
  release(): void;
}

type WriteCallback = (error?: Error | null) => void;
type Write = typeof process.stdout.write;

function takeOver(replacement: Write): StdoutGuard {
  const stdout = process.stdout;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- kept only to put it back on stdout
  const original = stdout.write;
  const writeOriginal = original.bind(stdout) as (chunk: string, callback: WriteCallback) => boolean;
  stdout.write = replacement;
  return {
    write: (text) => new Promise((resolve, reject) => writeOriginal(text, (error) => (error ? reject(error) : resolve()))),
    release: () => {
      if (stdout.write === replacement) stdout.write = original;
    },
  };
}

/**
 * Sends stdout writes to stderr until `release()`; `write()` still reaches the real stdout.
 * @example
 * const guard = guardStdout();
 * await runUserCode(); // its console.log lines land on stderr
 * guard.release();
 * await guard.write(JSON.stringify(doc) + '\n');
 */
export function guardStdout(): StdoutGuard {
  const stderr = process.stderr;
  const toStderr = (...args: unknown[]): boolean => (stderr.write.bind(stderr) as (...a: unknown[]) => boolean)(...args);
  return takeOver(toStderr);
}

/**
 * Sends stdout writes, as whole lines, to `sink` until `release()` (a partial last line is
 * passed on at release).
 * @example
 * const guard = redirectStdoutLines((line) => multibar.log(line));
 */
export function redirectStdoutLines(sink: (lines: string) => void): StdoutGuard {
  let pending = '';
  const replacement = ((chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
    const done = [encoding, callback].find((a): a is WriteCallback => typeof a === 'function');
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString(typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    pending += text;
    const end = pending.lastIndexOf('\n');
    if (end >= 0) {
      sink(pending.slice(0, end + 1));
      pending = pending.slice(end + 1);
    }
    if (done) process.nextTick(done);
    return true;
  }) as Write;
  const guard = takeOver(replacement);
  return {
    write: (text) => guard.write(text),
    release: () => {
      guard.release();
      if (pending) sink(`${pending}\n`);
      pending = '';
    },
  };
}
