/** A flow that does nothing: `weft run` of it measures the CLI's own cost (start-up, record, exit). */
import { flow } from 'weft';

export const noop = flow({ name: 'bench-noop' }, () => 0);
