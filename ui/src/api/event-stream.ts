// The server's live events (GET /api/v1/events, server-sent events) read with fetch, so the
// API key travels as a bearer header (EventSource cannot send one). One connection per tab,
// shared by every subscriber; it reconnects by itself when the server comes back.
import type { ServerEvent } from '../../../src/server/event-bus.js';
import { apiUrl, authHeaders, reportReachable } from './client.js';

export type { ServerEvent };

type Listener = (event: ServerEvent) => void;
const listeners = new Set<Listener>();
let running: AbortController | undefined;

const KINDS: ReadonlySet<string> = new Set(['flow-run-state', 'task-run-state', 'log']);

/**
 * Splits a text/event-stream into events; returns the unfinished tail. `onId` hears each frame's
 * `id:` (to resume after it); frames of other kinds (a `gap` notice) are skipped.
 */
export function parseEventChunk(buffer: string, emit: (event: ServerEvent) => void, onId: (id: string) => void = () => undefined): string {
  let rest = buffer;
  for (let end = rest.indexOf('\n\n'); end >= 0; end = rest.indexOf('\n\n')) {
    const lines = rest.slice(0, end).split('\n');
    rest = rest.slice(end + 2);
    const id = lines.find((line) => line.startsWith('id:'))?.slice(3).trim();
    if (id !== undefined && id !== '') onId(id);
    const data = lines
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trimStart())
      .join('\n');
    if (data === '') continue;
    try {
      const event = JSON.parse(data) as { kind?: unknown };
      if (typeof event.kind === 'string' && KINDS.has(event.kind)) emit(event as ServerEvent);
    } catch {
      // not an event of ours: skip it
    }
  }
  return rest;
}

async function connect(signal: AbortSignal): Promise<void> {
  let delay = 500;
  let lastId = '';
  while (!signal.aborted) {
    try {
      // After a drop, resume after the last event seen (the server replays what it still keeps).
      const resume: Record<string, string> = lastId === '' ? {} : { 'last-event-id': lastId };
      const response = await fetch(apiUrl('/v1/events'), { headers: { ...authHeaders(), ...resume, accept: 'text/event-stream' }, signal });
      if (response.status === 401) return; // the pages show the login; they restart the stream after it
      if (!response.ok || response.body === null) throw new Error(`events answered ${response.status}`);
      reportReachable(true);
      delay = 500;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer = parseEventChunk(
          buffer + value,
          (event) => {
            for (const listener of listeners) listener(event);
          },
          (id) => (lastId = id),
        );
      }
    } catch {
      if (signal.aborted) return;
    }
    if (signal.aborted) return;
    reportReachable(false);
    await new Promise((resolve) => window.setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 5000);
  }
}

/** Subscribes to live events (opening the stream on first use); returns the unsubscribe function. */
export function subscribeEvents(listener: Listener): () => void {
  listeners.add(listener);
  if (running === undefined) {
    running = new AbortController();
    void connect(running.signal);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      running?.abort();
      running = undefined;
    }
  };
}

/** Reopens the stream (after a login). */
export function restartEvents(): void {
  if (running === undefined) return;
  running.abort();
  running = new AbortController();
  void connect(running.signal);
}
