// @vitest-environment jsdom
// Components rendered into jsdom: the state counts of a run, and the empty and error states.
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, UnreachableError } from '../src/api/client.js';
import { ErrorMessage } from '../src/components/messages.js';
import { StateBadge, StateCounts } from '../src/components/state-badge.js';

afterEach(cleanup);

describe('state components', () => {
  it('shows counts by state, none when empty, an ellipsis while loading', () => {
    const { container, rerender } = render(<StateCounts counts={{ COMPLETED: 9998, FAILED: 2, RUNNING: 0 }} />);
    expect([...container.querySelectorAll('.count')].map((e) => e.textContent)).toEqual(['9998 completed', '2 failed']);
    rerender(<StateCounts counts={{}} />);
    expect(container.textContent).toBe('none');
    rerender(<StateCounts counts={undefined} />);
    expect(container.textContent).toBe('…');
  });

  it('shows a state by its name with its type for styling', () => {
    render(<StateBadge type="SCHEDULED" name="AwaitingRetry" />);
    expect(screen.getByText('AwaitingRetry').dataset['state']).toBe('SCHEDULED');
  });

  it('says plainly when the server is unreachable or refused', () => {
    const { rerender } = render(<ErrorMessage error={new UnreachableError('x')} />);
    expect(screen.getByRole('alert').textContent).toMatch(/does not answer; this page retries/);
    rerender(<ErrorMessage error={new ApiError(409, 'The run is already finished.')} />);
    expect(screen.getByRole('alert').textContent).toBe('The run is already finished.');
  });
});
