import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ServerEvent } from '../../src/server/event-bus.js';
import { startTestServer, type TestServer } from '../helpers/weft-server.js';
import { eventually } from './http.js';
import { hostAndPort } from './raw-http.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(async () => {
  await server.stop();
});

/** A log event of about `bytes` bytes. */
const bigLog = (i: number, bytes: number): ServerEvent => ({
  kind: 'log',
  log: { flowRunId: null, taskRunId: null, name: 'test', level: 20, message: `${i} ${'z'.repeat(bytes)}`, timestamp: new Date(0).toISOString() },
});

/** An event-stream connection on a raw socket: what it received, and whether the server closed it. */
interface RawStream {
  readonly socket: Socket;
  readonly received: () => string;
  readonly closed: Promise<void>;
}

function openStream(url: string, headers: Record<string, string> = {}): Promise<RawStream> {
  const { host, port } = hostAndPort(url);
  const socket = connect({ host, port });
  let text = ''; // the events are ASCII: no character is split between chunks
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.write(`GET /api/v1/events HTTP/1.1\r\nhost: ${host}:${port}\r\n${extra}\r\n`);
  return new Promise((resolve) => {
    const ready = (): void => {
      if (text.includes(': connected')) {
        socket.off('data', ready);
        resolve({ socket, received: () => text, closed });
      }
    };
    socket.on('data', ready);
  });
}

/** The ids of the complete events in a stream's text (chunked framing aside: ids are on their own lines). */
function eventIds(text: string): number[] {
  return [...text.matchAll(/^id: (\d+)\n(?=event: log\ndata: .*\n\n)/gm)].map((m) => Number(m[1]));
}

describe('event stream limits', () => {
  it('drops a reader that stops reading once its unsent output passes the bound, keeps a reader that reads, and the dropped one resumes from its last id without loss', async () => {
    const { bus } = server.server;
    const published: number[] = [];
    const stopRecording = bus.subscribe((batch) => published.push(...batch.events.map((e) => e.id)));
    const reader = await openStream(server.url);
    const stalled = await openStream(server.url);
    stalled.socket.pause(); // reads nothing more: the server's unsent output for it grows
    const subscribed = bus.subscribers;

    // Publish in rounds of 64 KB, each delivered at once and read by the reading client before the
    // next: it never falls behind, while the stalled one falls further behind each round.
    for (let round = 0; round < 500 && bus.subscribers === subscribed; round++) {
      for (let i = 0; i < 16; i++) bus.publish(bigLog(round * 16 + i, 4_096));
      bus.flush();
      const last = `id: ${bus.lastId}\n`;
      await eventually(() => Promise.resolve(reader.received().includes(last, reader.received().length - 10_000)), 'the reading client to read the round');
    }
    expect(bus.subscribers).toBe(subscribed - 1); // the stalled reader was dropped...
    stalled.socket.resume();
    await stalled.closed; // ...its connection closed by the server
    // What reached it is at most the bound plus what the kernel's socket buffers held.
    const seen = eventIds(stalled.received());
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThan(published.length);

    // The reader that reads was not dropped and has every event.
    await eventually(() => Promise.resolve(eventIds(reader.received()).length === published.length), 'the reading client to get every event');
    expect(eventIds(reader.received())).toEqual(published);

    // The dropped reader reconnects with its last id and gets the rest, nothing twice.
    const resumed = await openStream(server.url, { 'last-event-id': String(seen.at(-1)) });
    await eventually(() => Promise.resolve(seen.length + eventIds(resumed.received()).length >= published.length), 'the resumed stream to catch up');
    expect([...seen, ...eventIds(resumed.received())]).toEqual(published);

    stopRecording();
    for (const stream of [reader, resumed]) stream.socket.destroy();
  });

  it('says so with a gap event when the events after the id are no longer kept', async () => {
    const stream = await openStream(server.url, { 'last-event-id': '1' });
    await eventually(() => Promise.resolve(stream.received().includes('event: gap')), 'a gap event');
    stream.socket.destroy();
  });
});
