import type { ReactElement, ReactNode } from 'react';
import { ApiError, UnauthorizedError, UnreachableError } from '../api/client.js';

/** An empty state: nothing to show yet, and what to do about it. */
export function Empty({ children }: { readonly children: ReactNode }): ReactElement {
  return <div className="empty">{children}</div>;
}

/** An error, said plainly. */
export function ErrorMessage({ error }: { readonly error: unknown }): ReactElement {
  if (error instanceof UnreachableError) return <div className="error" role="alert">The server does not answer; this page retries by itself.</div>;
  if (error instanceof UnauthorizedError) return <div className="error" role="alert">{error.message}</div>;
  if (error instanceof ApiError) return <div className="error" role="alert">{error.message}</div>;
  return <div className="error" role="alert">{error instanceof Error ? error.message : String(error)}</div>;
}
