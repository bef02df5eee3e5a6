/**
 * What `weft run` shows while a flow runs: on a terminal, a live progress bar of finished task
 * runs with counts by state (cli-progress, on stderr, log lines printed above it); elsewhere,
 * plain progress lines every few seconds when something changed.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { setConsoleSink, type ConsoleSink } from '../engine/logging.js';
import { redirectStdoutLines, type StdoutGuard } from './stdout-guard.js';
import { describeCounts, type TallyCounts } from './task-run-tally.js';

/** Shows progress; reads the counts itself on its own schedule, so state changes stay cheap. */
export interface ProgressDisplay {
  /** Stops the display (restores the console) and shows the last counts. */
  stop(): void;
}

/** Options of a progress display. */
export interface ProgressDisplayOptions {
  /** Shown at the start of the line, e.g. the flow's name. */
  readonly label: string;
  /** The current counts. */
  readonly counts: () => TallyCounts;
  /** Where the display goes. @default process.stderr */
  readonly stream?: NodeJS.WriteStream;
  /** How often plain lines are printed when counts changed, in ms. @default 2000 */
  readonly plainIntervalMs?: number;
}

/** How often the live bar reads the counts, in ms. */
const LIVE_REFRESH_MS = 100;

class LiveBar implements ProgressDisplay {
  private readonly multibar: MultiBar;
  private readonly bar: SingleBar;
  private readonly restoreSink: ConsoleSink;
  private readonly stdout: StdoutGuard | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    label: string,
    stream: NodeJS.WriteStream,
    private readonly counts: () => TallyCounts,
  ) {
    this.multibar = new MultiBar(
      {
        stream,
        format: `${label} |{bar}| {value}/{total} task runs | {counts}`,
        hideCursor: true,
        emptyOnZero: true,
        clearOnComplete: false,
        fps: 10,
      },
      Presets.shades_classic,
    );
    this.bar = this.multibar.create(0, 0, { counts: '' });
    const multibar = this.multibar;
    this.restoreSink = setConsoleSink((line) => multibar.log(`${line}\n`));
    // User code printing to the same terminal goes above the bar too.
    this.stdout = process.stdout.isTTY ? redirectStdoutLines((lines) => multibar.log(lines)) : undefined;
    this.timer = setInterval(() => this.refresh(), LIVE_REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.refresh();
    this.stdout?.release();
    setConsoleSink(this.restoreSink);
    this.multibar.update(); // prints log lines still buffered
    this.multibar.stop();
  }

  private refresh(): void {
    const counts = this.counts();
    if (this.bar.getTotal() !== counts.total) this.bar.setTotal(counts.total);
    this.bar.update(counts.finished, { counts: describeCounts(counts) });
  }
}

class PlainLines implements ProgressDisplay {
  private printed = '';
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream,
    private readonly counts: () => TallyCounts,
    intervalMs: number,
  ) {
    this.timer = setInterval(() => this.print(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.print();
  }

  private print(): void {
    const counts = this.counts();
    if (counts.total === 0) return;
    const line = `${this.label} | ${counts.finished}/${counts.total} task runs finished | ${describeCounts(counts)}`;
    if (line === this.printed) return;
    this.printed = line;
    this.stream.write(`${line}\n`);
  }
}

/**
 * A live bar when the stream is a terminal, plain lines otherwise.
 * @example
 * const display = createProgressDisplay({ label: 'dask-example', counts: () => tally.counts() });
 * await runTheFlow();
 * display.stop();
 */
export function createProgressDisplay(options: ProgressDisplayOptions): ProgressDisplay {
  const stream = options.stream ?? process.stderr;
  if (stream.isTTY) return new LiveBar(options.label, stream, options.counts);
  return new PlainLines(options.label, stream, options.counts, options.plainIntervalMs ?? 2000);
}
