// The page a resume link opens (`/resume/{token}`, e.g. from a Slack message or an email): the
// run, the pause's description and a form from its input schema, with Approve and Reject. It needs
// no API key and calls only the two signed-link routes (the token is the credential); an invalid,
// expired or used link shows what happened instead of a form.
import { useQuery } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { useState } from 'react';
import type { ReactElement } from 'react';
import { ApiError, api } from '../api/client.js';
import { formatTime } from '../lib/format.js';
import { useTitle } from '../lib/use-title.js';
import { PauseForm } from './flow-run/pause-panel.js';
import type { Pause } from './flow-run/pause-panel.js';

/** What `GET /api/v1/resume-links/{token}` answers. */
type LinkedPause = Pause & { readonly expiresAt: string; readonly run: { readonly id: string; readonly name: string; readonly flowName: string; readonly stateName: string } };

/** Why a link does not work, from the server's answer. */
function linkProblem(error: unknown): { title: string; detail: string } {
  if (error instanceof ApiError) {
    if (error.status === 410) return { title: 'This link has expired', detail: error.message };
    if (error.status === 403 || error.status === 400) return { title: 'This link is not valid', detail: 'It was altered or cut short, or signed by another server. Ask for a new link.' };
    if (error.status === 404) return { title: 'Nothing to resume', detail: error.message };
    return { title: 'This link does not work now', detail: error.message };
  }
  return { title: 'The Weft server does not answer', detail: 'Reload the page when it is running.' };
}

const OUTCOME: Readonly<Record<Pause['status'], string>> = { waiting: 'is waiting', resumed: 'was approved', rejected: 'was rejected', timed_out: 'timed out' };

/** A resume link's page. */
export function ResumeLinkPage(): ReactElement {
  useTitle('Approve a paused run');
  const { token }: { token?: string } = useParams({ strict: false });
  const path = `/v1/resume-links/${encodeURIComponent(token ?? '')}`;
  const linked = useQuery({ queryKey: ['resume-link', token], queryFn: () => api<LinkedPause>(path), retry: false });
  const [resolved, setResolved] = useState<Pause | undefined>();
  if (linked.error) {
    const { title, detail } = linkProblem(linked.error);
    return (
      <section className="resume-link" aria-labelledby="resume-title">
        <h1 id="resume-title">{title}</h1>
        <p role="alert">{detail}</p>
      </section>
    );
  }
  if (linked.data === undefined) return <p className="muted">Loading…</p>;
  const pause = linked.data;
  const run = pause.run;
  const done = resolved ?? (pause.status === 'waiting' ? undefined : pause);
  return (
    <section className="resume-link" aria-labelledby="resume-title">
      <h1 id="resume-title">{done === undefined ? 'A run waits for your approval' : `This pause ${OUTCOME[done.status]}`}</h1>
      <dl className="resume-run">
        <dt>Flow run</dt>
        <dd><code>{run.flowName}/{run.name}</code></dd>
        <dt>State</dt>
        <dd>{resolved === undefined ? run.stateName : resolved.status === 'resumed' ? 'Running again' : run.stateName}</dd>
        <dt>Pause</dt>
        <dd><code>{pause.key}</code></dd>
        {done === undefined ? (<><dt>Link expires</dt><dd>{formatTime(pause.expiresAt)}</dd></>) : null}
      </dl>
      {done === undefined ? (
        <PauseForm
          pause={pause}
          resumeLabel="Approve"
          sendResolution={(body) => api<Pause>(path, { method: 'POST', body: JSON.stringify(body) })}
          onResolved={setResolved}
        />
      ) : (
        <p role="status">
          {done.status === 'resumed' ? 'Approved: the run goes on with the input given.' : done.status === 'rejected' ? `Rejected${done.reason ? `: ${done.reason}` : ''}.` : 'The run waited past its timeout.'}
          {done.resolvedAt ? ` (${formatTime(done.resolvedAt)})` : ''} This link works only once.
        </p>
      )}
    </section>
  );
}
