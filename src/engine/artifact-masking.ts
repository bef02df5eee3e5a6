/**
 * The one place every artifact's text passes before it is stored: markdown, table cells, link
 * URLs and texts, descriptions: an artifact that contains a secret's value is stored with `***`.
 */
import { REDACTED } from '../redact.js';
import { maskValues } from '../secret-masks.js';
import type { ArtifactContent } from '../store/artifacts.js';

/**
 * `text` with the value of every secret this process read with `secret()` (and its base64 and
 * URL-encoded forms) replaced by `***`.
 * @example
 * maskArtifactContent('token s3cr3t-value') // 'token ***' once secret() returned 's3cr3t-value'
 */
export function maskArtifactContent(text: string): string {
  return maskValues(text, REDACTED);
}

/** `content` with every string in it passed through {@link maskArtifactContent}. @internal */
export function maskArtifact<C extends ArtifactContent>(content: C): C {
  switch (content.type) {
    case 'markdown':
      return { ...content, data: maskArtifactContent(content.data) };
    case 'table':
      return {
        ...content,
        data: {
          columns: content.data.columns.map(maskArtifactContent),
          rows: content.data.rows.map((row) => row.map((cell) => (typeof cell === 'string' ? maskArtifactContent(cell) : cell))),
        },
      };
    case 'link':
      return { ...content, data: { url: maskArtifactContent(content.data.url), text: content.data.text === null ? null : maskArtifactContent(content.data.text) } };
    case 'progress':
      return content;
  }
}
