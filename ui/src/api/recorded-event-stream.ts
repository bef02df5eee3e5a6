// Recorded events (emitEvent(), state changes, automation actions) as they are appended: the
// server's event stream asked for them by name prefix (`GET /api/v1/events?name=…`), read with
// fetch so the API key travels as a bearer header. Only the events page opens it; it resumes
// after the last id it saw when the connection drops.
import type { WeftEvent } from '../../../src/store/events.js';
import { apiUrl, authHeaders } from './client.js';

export type { WeftEvent };

/** Splits a text/event-stream into recorded events; returns the unfinished tail. */
export function parseRecordedChunk(buffer: string, emit: (event: WeftEvent) => void, onId: (id: string) => void): string {
  let rest = buffer;
  for (let end = rest.indexOf('\n\n'); end >= 0; end = rest.indexOf('\n\n')) {
    const lines = rest.slice(0, end).split('\n');
    rest = rest.slice(end + 2);
    const id = lines.find((line) => line.startsWith('id:'))?.slice(3).trim();
    if (id !== undefined && id !== '') onId(id);
    const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart()).join('\n');
    if (data === '') continue;
    try {
      const parsed = JSON.parse(data) as { kind?: unknown; event?: WeftEvent };
      if (parsed.kind === 'event' && parsed.event !== undefined) emit(parsed.event);
    } catch {
      // not an event of ours: skip it
    }
  }
  return rest;
}

/**
 * Follows the recorded events whose name starts with `prefix` ('' for every name) until the
 * returned function is called; `onOpen` hears whether the stream is connected.
 */
export function followRecordedEvents(prefix: string, listener: (event: WeftEvent) => void, onOpen: (open: boolean) => void = () => undefined): () => void {
  const controller = new AbortController();
  const { signal } = controller;
  void (async () => {
    let delay = 500;
    let lastId = '';
    while (!signal.aborted) {
      try {
        const resume: Record<string, string> = lastId === '' ? {} : { 'last-event-id': lastId };
        const response = await fetch(apiUrl(`/v1/events?name=${encodeURIComponent(prefix)}`), { headers: { ...authHeaders(), ...resume, accept: 'text/event-stream' }, signal });
        if (response.status === 401) return; // the page's own queries send the user to the login
        if (!response.ok || response.body === null) throw new Error(`events answered ${response.status}`);
        delay = 500;
        onOpen(true);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer = parseRecordedChunk(buffer + value, listener, (id) => (lastId = id));
        }
      } catch {
        if (signal.aborted) return;
      }
      if (signal.aborted) return;
      onOpen(false);
      // The layout's own stream tells the page whether the server answers; this one just retries.
      await new Promise((resolve) => window.setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 5000);
    }
  })();
  return () => controller.abort();
}
