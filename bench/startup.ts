/**
 * CLI start-up, measured as a user meets it: wall time of `weft --help` and of `weft run` of a
 * no-op flow, each against `node -e 0` in the same command (the machine is shared: the ratio is
 * the figure to compare across runs). The three commands are interleaved, so a burst of load
 * from elsewhere slows all three alike. Part of `npm run bench`; alone:
 * `npm run build && npx tsx bench/startup.ts` (BENCH_STARTUP_REPEATS, default 9).
 */
import { fileURLToPath } from 'node:url';
import { BIN, childEnv, tempHome, timed, type Finished } from './cli-process.js';
import { recordedFlowRuns } from './record.js';
import { median } from './run-child.js';
import { col, expectation, verdict } from './targets.js';

const NOOP_FLOW = 'bench/workloads/noop-flow.ts';

/** Targets of issue 13 §2, in seconds, on a quiet machine. */
const HELP_TARGET_S = 0.25;
const RUN_TARGET_S = 0.6;

/** Medians of one start-up measurement. */
export interface StartupFigures {
  readonly nodeMs: number;
  readonly helpMs: number;
  readonly runMs: number;
}

/** Measures `node -e 0`, `weft --help` and `weft run` of a no-op flow `repeats` times each, interleaved, and prints the figures. */
export async function startupBenchmark(repeats: number): Promise<StartupFigures> {
  process.stderr.write('CLI start-up:\n');
  const home = tempHome();
  try {
    const env = childEnv(home.path);
    const node: Finished[] = [];
    const help: Finished[] = [];
    const run: Finished[] = [];
    for (let i = 0; i < repeats; i++) {
      node.push(await timed(['-e', '0'], env));
      help.push(await timed([BIN, '--help'], env));
      run.push(await timed([BIN, 'run', NOOP_FLOW, '--json'], env));
    }
    const show = (label: string, runs: readonly Finished[]): void => void process.stderr.write(`  ${label}: ${runs.map((f) => f.ms.toFixed(0)).join(', ')} ms\n`);
    show('node -e 0', node);
    show('weft --help', help);
    show('weft run noop', run);
    const figures = { nodeMs: median(node.map((f) => f.ms)), helpMs: median(help.map((f) => f.ms)), runMs: median(run.map((f) => f.ms)) };
    const seconds = (ms: number): number => Number((ms / 1000).toFixed(3));
    console.log(`\nCLI start-up, median of ${repeats} (wall time of the process; node -e 0 here: ${figures.nodeMs.toFixed(0)} ms)`);
    console.log(`  weft --help            ${col(seconds(figures.helpMs).toFixed(3))} s    (${(figures.helpMs / figures.nodeMs).toFixed(1)}x node -e 0)   ${verdict(seconds(figures.helpMs), '<=', HELP_TARGET_S)}`);
    console.log(`  weft run (no-op flow)  ${col(seconds(figures.runMs).toFixed(3))} s    (${(figures.runMs / figures.nodeMs).toFixed(1)}x node -e 0)   ${verdict(seconds(figures.runMs), '<=', RUN_TARGET_S)}`);
    const codes = [...help, ...run].map((f) => f.code);
    console.log(`    ${expectation('exit codes', codes.every((c) => c === 0) ? 0 : codes, 0)}`);
    const completed = recordedFlowRuns(home.path, 'bench-noop').filter((r) => r.state === 'COMPLETED').length;
    console.log(`    ${expectation('no-op flow runs recorded COMPLETED', completed, repeats)}`);
    return figures;
  } finally {
    home.remove();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await startupBenchmark(Number(process.env.BENCH_STARTUP_REPEATS ?? 9));
