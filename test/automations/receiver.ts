/**
 * A real loopback HTTP server that receives notification posts (Slack, webhooks) and answers with
 * the statuses it is told to, in order (then 200).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A received request. */
export interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** The running receiver. */
export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** Answers the next requests with these statuses (then 200). */
  answer(...statuses: number[]): void;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1. */
export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const statuses: number[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      received.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body });
      response.statusCode = statuses.shift() ?? 200;
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer: (...more) => statuses.push(...more),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
