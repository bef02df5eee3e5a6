// Labels of graph nodes: a task run's name, or a collapsed group's counts by state, as in
// `inc ×10 000: 9 998 ✓ 2 ✗`.
import type { GraphNode } from '../api/types.js';
import { formatCount } from './format.js';

const MARKS: readonly (readonly [string, string])[] = [
  ['COMPLETED', '✓'],
  ['FAILED', '✗'],
  ['CRASHED', '✗!'],
  ['RUNNING', '▶'],
  ['PENDING', '…'],
  ['SCHEDULED', '…'],
  ['CANCELLED', '⊘'],
  ['CANCELLING', '⊘'],
  ['PAUSED', '‖'],
];

/** The text of a node. */
export function nodeLabel(node: GraphNode): string {
  if (node.kind === 'task') return node.label;
  const parts = MARKS.filter(([type]) => (node.counts[type] ?? 0) > 0).map(([type, mark]) => `${formatCount(node.counts[type] ?? 0)} ${mark}`);
  return `${node.label} ×${formatCount(node.count)}: ${parts.join(' ')}`;
}
