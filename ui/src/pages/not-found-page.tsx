import { Link } from '@tanstack/react-router';
import type { ReactElement } from 'react';
import { useTitle } from '../lib/use-title.js';

/** A page that does not exist. */
export function NotFoundPage(): ReactElement {
  useTitle('Not found');
  return (
    <section>
      <h1>Not found</h1>
      <p>There is no page here. Go to the <Link to="/runs">runs list</Link>.</p>
    </section>
  );
}
