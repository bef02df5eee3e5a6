// The Artifacts tab of a flow run: every artifact it (and its task runs) published, newest first.
// While the run is not finished it refreshes every 2 s, so progress bars move live.
import { useQuery } from '@tanstack/react-query';
import type { ReactElement } from 'react';
import type { Artifact } from '../../../../src/store/artifacts.js';
import { api } from '../../api/client.js';
import type { FlowRun } from '../../api/types.js';
import { ArtifactCard } from '../../components/artifact-view.js';
import { Empty, ErrorMessage } from '../../components/messages.js';

const FINISHED = ['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED'];

/** The run's artifacts. */
export function ArtifactsTab({ run }: { readonly run: FlowRun }): ReactElement {
  const live = !FINISHED.includes(run.state.type);
  const artifacts = useQuery({
    queryKey: ['artifacts', 'run', run.id],
    queryFn: () => api<Artifact[]>(`/v1/artifacts?flowRunId=${encodeURIComponent(run.id)}&limit=500`),
    refetchInterval: live ? 2_000 : false,
  });
  if (artifacts.error) return <ErrorMessage error={artifacts.error} />;
  if (artifacts.data === undefined) return <p className="muted">Loading…</p>;
  if (artifacts.data.length === 0) return <Empty>This run published no artifacts (see <code>createMarkdownArtifact()</code>, <code>createTableArtifact()</code>).</Empty>;
  return (
    <div className="artifacts">
      {artifacts.data.map((a) => <ArtifactCard key={a.id} artifact={a} />)}
    </div>
  );
}
