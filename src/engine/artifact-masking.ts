/**
 * The one place every artifact's text passes before it is stored: markdown, table cells, link
 * URLs and texts, descriptions. Secret masking (issue 16, secrets) hooks in here, so that an
 * artifact that contains a secret's value is stored as `***`.
 */
import type { ArtifactContent } from '../store/artifacts.js';

/**
 * Masks what must not be stored in an artifact's text. Today it gives `text` back as it is; the
 * secrets feature makes it replace registered secret values.
 * @example
 * maskArtifactContent('token abc') // 'token abc' (until a secret 'abc' is registered)
 */
export function maskArtifactContent(text: string): string {
  return text;
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
