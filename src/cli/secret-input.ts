/**
 * Reading a secret's value for `weft secrets set`: from stdin when it is a pipe or a file (one
 * trailing newline is dropped, as `echo` and here-strings add one), else from a prompt on the
 * terminal that echoes nothing. Never from the command line, where shell history and `ps` keep it.
 */
import { UsageError } from '../errors.js';
import { MAX_SECRET_VALUE_BYTES } from '../store/secrets.js';

const tooLong = (): UsageError => new UsageError(`A secret value is at most ${MAX_SECRET_VALUE_BYTES} bytes: the input is longer.`);

/** All of a piped stdin, bounded, less one trailing newline. */
async function readPiped(stdin: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += bytes.length;
    if (size > MAX_SECRET_VALUE_BYTES + 2) throw tooLong();
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/**
 * A line typed at the terminal with nothing echoed; Ctrl-C or Ctrl-D on an empty line aborts.
 * Echo is off before the prompt shows: what is typed the moment it appears is not echoed either.
 */
function readHidden(stdin: NodeJS.ReadStream, prompt: string): Promise<string> {
  stdin.setRawMode(true);
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error?: Error): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const char of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003' || (char === '\u0004' && typed === '')) return finish(new UsageError('No value was entered: nothing was set.'));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else if (char >= ' ') typed += char;
        if (Buffer.byteLength(typed) > MAX_SECRET_VALUE_BYTES) return finish(tooLong());
      }
    };
    stdin.resume();
    stdin.on('data', onData);
  });
}

/**
 * The value for secret `name`: prompted for (no echo) at a terminal, else all of stdin.
 * @throws UsageError when it is empty or too long.
 * @example
 * const value = await readSecretValueInput('db-password');
 */
export async function readSecretValueInput(name: string, stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  const value = stdin.isTTY ? await readHidden(stdin, `Value for secret ${name} (not shown): `) : await readPiped(stdin);
  if (value === '') {
    throw new UsageError(`No value for secret '${name}' was given. Pipe it in (\`printf %s "$VALUE" | weft secrets set ${name}\`) or run the command at a terminal to be prompted.`);
  }
  return value;
}
