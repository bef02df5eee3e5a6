/**
 * HTTP/1.1 requests written byte for byte on a socket (node:net), for request targets that fetch
 * would normalize or refuse: absolute-form targets, `..` segments, `;` parameters, invalid UTF-8.
 */
import { connect } from 'node:net';

/** A raw answer: status code, headers (lower-case names) and the body as text. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The host and port of a `http://host:port` URL. */
export function hostAndPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

/**
 * Sends `method target HTTP/1.1` with `headers` and `body` (bytes as given) and reads the whole
 * answer (the request says `connection: close`).
 */
export function rawRequest(url: string, method: string, target: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<RawAnswer> {
  const { host, port } = hostAndPort(url);
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const lines = [`${method} ${target} HTTP/1.1`, `host: ${host}:${port}`, 'connection: close'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (payload !== undefined) lines.push(`content-length: ${payload.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    const finish = (): void => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const headLines = (split < 0 ? text : text.slice(0, split)).split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(headLines[0] ?? '')?.[1] ?? 0);
      const answerHeaders: Record<string, string> = {};
      for (const line of headLines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) answerHeaders[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      let rest = split < 0 ? '' : text.slice(split + 4);
      if (answerHeaders['transfer-encoding'] === 'chunked') rest = unchunk(rest);
      resolve({ status, headers: answerHeaders, body: rest });
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // An event stream never ends: its status and headers are the answer.
      if (/\r\ncontent-type: text\/event-stream/i.test(Buffer.concat(chunks).toString('latin1'))) {
        socket.destroy();
        finish();
      }
    });
    socket.on('error', reject);
    socket.on('end', finish);
    socket.write(payload === undefined ? head : Buffer.concat([head, payload]));
  });
}

/** The body of a chunked answer. */
function unchunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    if (eol < 0) return out;
    const size = Number.parseInt(rest.slice(0, eol), 16);
    if (!(size > 0)) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}
