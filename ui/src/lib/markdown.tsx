// Markdown of artifacts, rendered as React elements only: raw HTML in the text is shown as text,
// never parsed, and links are kept only for http(s) and mailto URLs, so an artifact cannot run
// script in the UI. The subset Prefect reports use: headings, paragraphs, emphasis, inline code,
// fenced code, lists, block quotes, rules, links and pipe tables. (No markdown library is among
// the UI's dependencies; this renderer is small because it builds elements and never sanitizes HTML.)
import type { ReactElement, ReactNode } from 'react';

const SAFE_URL = /^(https?:\/\/|mailto:)/i;

/** Inline markdown: `code`, **strong**, *em* / _em_, [text](url). */
function inline(text: string, key = 'i'): ReactNode[] {
  // `_` marks emphasis only between words (snake_case and __names__ stay as written), as in CommonMark.
  const pattern = /`([^`]+)`|\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*|(?<!\w)_([^_\s][^_]*)_(?!\w)|\[([^\]]+)\]\(([^)\s]+)\)/;
  const out: ReactNode[] = [];
  let rest = text;
  for (let n = 0; rest !== ''; n++) {
    const match = pattern.exec(rest);
    if (match === null) {
      out.push(rest);
      break;
    }
    if (match.index > 0) out.push(rest.slice(0, match.index));
    const k = `${key}-${n}`;
    const [whole, code, strong, em1, em2, label, url] = match;
    if (code !== undefined) out.push(<code key={k}>{code}</code>);
    else if (strong !== undefined) out.push(<strong key={k}>{inline(strong, k)}</strong>);
    else if (em1 !== undefined || em2 !== undefined) out.push(<em key={k}>{inline(em1 ?? em2 ?? '', k)}</em>);
    else if (label !== undefined && url !== undefined) {
      out.push(SAFE_URL.test(url) ? <a key={k} href={url} target="_blank" rel="noopener noreferrer nofollow">{inline(label, k)}</a> : <span key={k}>{inline(label, k)}</span>);
    }
    rest = rest.slice(match.index + whole.length);
  }
  return out;
}

const cells = (line: string): string[] => line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
const SEPARATOR = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;

/** Block-level markdown into elements. */
function blocks(markdown: string): ReactElement[] {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const out: ReactElement[] = [];
  let i = 0;
  const take = (test: (line: string) => boolean): string[] => {
    const taken: string[] = [];
    while (i < lines.length && test(lines[i] ?? '')) taken.push(lines[i++] ?? '');
    return taken;
  };
  while (i < lines.length) {
    const line = lines[i] ?? '';
    const k = `b${i}`;
    if (line.trim() === '') {
      i++;
    } else if (line.startsWith('```')) {
      i++;
      const code = take((l) => !l.startsWith('```'));
      i++; // the closing fence
      out.push(<pre key={k} className="json"><code>{code.join('\n')}</code></pre>);
    } else if (/^#{1,6}\s/.test(line)) {
      const level = Math.min(6, (/^#+/.exec(line)?.[0].length ?? 1) + 1); // an artifact's # sits under the page's h1
      const Tag = `h${level}` as 'h2';
      out.push(<Tag key={k}>{inline(line.replace(/^#+\s*/, ''), k)}</Tag>);
      i++;
    } else if (/^(-{3,}|\*{3,}|_{3,})\s*$/.test(line)) {
      out.push(<hr key={k} />);
      i++;
    } else if (/^\s*[-*+]\s/.test(line)) {
      const items = take((l) => /^\s*[-*+]\s/.test(l));
      out.push(<ul key={k}>{items.map((item, n) => <li key={n}>{inline(item.replace(/^\s*[-*+]\s+/, ''), `${k}-${n}`)}</li>)}</ul>);
    } else if (/^\s*\d+[.)]\s/.test(line)) {
      const items = take((l) => /^\s*\d+[.)]\s/.test(l));
      out.push(<ol key={k}>{items.map((item, n) => <li key={n}>{inline(item.replace(/^\s*\d+[.)]\s+/, ''), `${k}-${n}`)}</li>)}</ol>);
    } else if (line.startsWith('>')) {
      const quoted = take((l) => l.startsWith('>'));
      out.push(<blockquote key={k}>{inline(quoted.map((q) => q.replace(/^>\s?/, '')).join(' '), k)}</blockquote>);
    } else if (line.includes('|') && SEPARATOR.test(lines[i + 1] ?? '')) {
      const head = cells(line);
      i += 2;
      const rows = take((l) => l.includes('|') && l.trim() !== '').map(cells);
      out.push(
        <table key={k}>
          <thead><tr>{head.map((h, n) => <th key={n} scope="col">{inline(h, `${k}-h${n}`)}</th>)}</tr></thead>
          <tbody>{rows.map((row, r) => <tr key={r}>{head.map((_, n) => <td key={n}>{inline(row[n] ?? '', `${k}-${r}-${n}`)}</td>)}</tr>)}</tbody>
        </table>,
      );
    } else {
      const para = take((l) => l.trim() !== '' && !/^(#{1,6}\s|```|>|\s*[-*+]\s|\s*\d+[.)]\s)/.test(l));
      out.push(<p key={k}>{inline(para.join(' '), k)}</p>);
    }
  }
  return out;
}

/** Renders an artifact's markdown safely (see the file comment). */
export function Markdown({ text }: { readonly text: string }): ReactElement {
  return <div className="markdown">{blocks(text)}</div>;
}
