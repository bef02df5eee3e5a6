// The flow-run page's heavy tabs, each its own chunk: the graph (dagre) and the timeline. The
// route's loader preloads the open one while the page's chunk and data load.
import { preloadable } from '../../lib/preloadable.js';

/** The graph tab (dagre layout, SVG or canvas). */
export const graphTab = preloadable(() => import('./graph-tab.js'));

/** The timeline tab (canvas Gantt). */
export const timelineTab = preloadable(() => import('./timeline-tab.js'));
