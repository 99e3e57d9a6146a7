/**
 * How every `medpatch` command talks to people and to scripts: results on stdout (one JSON document with --json),
 * everything else (notes, warnings, progress, errors) on stderr; colour only where a person is looking; progress
 * bars redrawn in place on a terminal and plain throttled lines in a log.
 */

/** A writable stream as the CLI sees it (process.stdout / process.stderr, or a buffer in tests). */
export interface TextStream {
  isTTY?: boolean | undefined;
  columns?: number | undefined;
  write(text: string): unknown;
}

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Colour on or off for one stream. `--no-color` and NO_COLOR (any non-empty value, no-color.org) switch it off and
 * win over everything; FORCE_COLOR (any value but 0/false) switches it on even into a pipe; otherwise only a
 * terminal that is not `TERM=dumb` gets colour.
 */
export function colorEnabled(options: {
  isTTY: boolean | undefined;
  env: Env;
  noColorFlag?: boolean;
}): boolean {
  if (options.noColorFlag) return false;
  const noColor = options.env.NO_COLOR;
  if (noColor !== undefined && noColor !== '') return false;
  const force = options.env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  return options.isTTY === true && options.env.TERM !== 'dumb';
}

export interface Styles {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

export function styles(enabled: boolean): Styles {
  const sgr = (open: number, close: number) => (text: string) =>
    enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    enabled,
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
  };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** The text without ANSI escapes (for width arithmetic, and for tests). */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes}m ${Math.round(seconds % 60)}s`
    : `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

export interface ProgressState {
  label: string;
  done: number;
  /** Unknown totals are shown as a count without bar, percentage or ETA. */
  total?: number | undefined;
  /** Word in front of the count ("read 2,500/10,000"). */
  unit?: string | undefined;
  /** Extra counters after the count ("written 2,000 · unchanged 400"). */
  detail?: string | undefined;
  elapsedMs: number;
}

const BAR_WIDTH = 20;

/**
 * One progress line. `plain` (logs, CI): `sync: read 2,500/10,000 · written 2,000 · 500/s · ETA 15s`. `tty`: the
 * same with a bar and a percentage, the label padded so stacked bars line up.
 */
export function formatProgress(
  p: ProgressState,
  mode: 'plain' | 'tty',
  style: Styles = styles(false),
): string {
  const rate = p.elapsedMs > 0 ? (p.done * 1000) / p.elapsedMs : 0;
  const known = p.total !== undefined;
  const count = `${p.unit ? `${p.unit} ` : ''}${formatCount(p.done)}${known ? `/${formatCount(p.total ?? 0)}` : ''}`;
  const parts = [count];
  if (p.detail) parts.push(p.detail);
  // A rate over less than half a second is noise (and the first line of a bar would always say 0/s).
  if (p.elapsedMs >= 500) {
    parts.push(`${formatCount(rate)}/s`);
    if (known && rate > 0) parts.push(`ETA ${formatDuration(Math.max(0, (p.total ?? 0) - p.done) / rate)}`);
  }
  if (mode === 'plain') return `${p.label}: ${parts.join(' · ')}`;
  let bar = '';
  if (known) {
    const total = p.total ?? 0;
    const ratio = total > 0 ? Math.min(1, p.done / total) : 1;
    const filled = Math.round(ratio * BAR_WIDTH);
    bar = `${style.green('█'.repeat(filled))}${style.dim('░'.repeat(BAR_WIDTH - filled))} ${`${Math.floor(ratio * 100)}%`.padStart(4)} `;
  }
  return `${style.cyan(p.label.padEnd(12))} ${bar}${parts.join(' · ')}`;
}

export interface ProgressBar {
  /** New counts; drawn at most every 100 ms on a terminal, every `plainEveryMs` in a log. */
  update(done: number, options?: { total?: number | undefined; detail?: string | undefined }): void;
  /** Final counts: always shown once (unless identical to the last plain line), and the bar is put away. */
  done(options?: { done?: number; total?: number | undefined; detail?: string | undefined }): void;
}

export interface OutputOptions {
  json?: boolean;
  quiet?: boolean;
  noColor?: boolean;
  env?: Env;
  stdout?: TextStream;
  stderr?: TextStream;
  now?: () => number;
  /** Minimum gap between two plain progress lines of one bar when stderr is not a terminal (default 5 s). */
  plainEveryMs?: number;
}

const TTY_EVERY_MS = 100;

/** Where a command's output goes, and in which form. One per command invocation. */
export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  /** Styles for stdout text and for stderr text (each stream decides on its own whether it is a terminal). */
  readonly style: Styles;
  readonly errStyle: Styles;
  private readonly stdout: TextStream;
  private readonly stderr: TextStream;
  private readonly now: () => number;
  private readonly plainEveryMs: number;
  private readonly ttyProgress: boolean;
  /** Lines of the live progress block currently on screen (terminal only). */
  private block: { id: number; line: string }[] = [];
  private drawnLines = 0;
  private nextBarId = 0;
  private emitted = false;

  constructor(options: OutputOptions = {}) {
    const env = options.env ?? process.env;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    this.json = options.json ?? false;
    this.quiet = options.quiet ?? false;
    this.now = options.now ?? Date.now;
    this.plainEveryMs = options.plainEveryMs ?? 5000;
    const noColorFlag = options.noColor ?? false;
    this.style = styles(!this.json && colorEnabled({ isTTY: this.stdout.isTTY, env, noColorFlag }));
    this.errStyle = styles(colorEnabled({ isTTY: this.stderr.isTTY, env, noColorFlag }));
    this.ttyProgress = this.stderr.isTTY === true && env.TERM !== 'dumb';
  }

  /** Reads --json, --quiet/-q and --no-color from raw arguments (for errors raised before a command parsed them). */
  static fromArgs(args: readonly string[], options: Omit<OutputOptions, 'json' | 'quiet' | 'noColor'> = {}) {
    const flags = args.slice(0, args.includes('--') ? args.indexOf('--') : undefined);
    return new Output({
      ...options,
      json: flags.includes('--json'),
      quiet: flags.includes('--quiet') || flags.includes('-q'),
      noColor: flags.includes('--no-color'),
    });
  }

  /**
   * The command's result: with --json exactly one JSON document on stdout, otherwise the human text. A second
   * document in JSON mode is a programming error: scripts parse stdout as one value.
   */
  result(document: unknown, human: () => string): void {
    if (this.json) {
      if (this.emitted) throw new Error('a command printed two JSON documents');
      this.emitted = true;
      this.stdout.write(`${JSON.stringify(document)}\n`);
      return;
    }
    this.emitted = true;
    this.stdout.write(`${human()}\n`);
  }

  /** Raw data for stdout (a CSV export), not a JSON document: callers refuse --json with it. */
  data(text: string): void {
    this.emitted = true;
    this.stdout.write(text);
  }

  /** Whether the result (or an error document) has already been printed. */
  get printed(): boolean {
    return this.emitted;
  }

  /** A note for the person watching (stderr); --quiet silences it. */
  info(line: string): void {
    if (!this.quiet) this.toStderr(line);
  }

  /** Something the operator must see (rejected rows, skipped documents): stderr, even with --quiet. */
  warn(line: string): void {
    this.toStderr(line);
  }

  /** Prints a failure: one line, a `Next:` hint, and with --json an `{"error":…}` document on stdout. */
  error(failure: { message: string; hint?: string | undefined; code: string }, prefix: string): void {
    const s = this.errStyle;
    this.toStderr(`${s.red(s.bold(`${prefix}:`))} ${failure.message}`);
    // A usage error's message already ends in "see `medpatch X --help`": no second line saying the same.
    if (failure.hint && !failure.message.includes(failure.hint))
      this.toStderr(`${s.bold('Next:')} ${failure.hint}`);
    if (this.json && !this.emitted) {
      this.emitted = true;
      const { message, hint, code } = failure;
      this.stdout.write(`${JSON.stringify({ error: { message, ...(hint ? { hint } : {}), code } })}\n`);
    }
  }

  /** A progress bar on stderr: redrawn in place on a terminal, throttled plain lines otherwise, nothing with --quiet. */
  progress(label: string, options: { total?: number | undefined; unit?: string } = {}): ProgressBar {
    const started = this.now();
    const id = this.nextBarId++;
    let total = options.total;
    let detail: string | undefined;
    let done = 0;
    let lastDraw = Number.NEGATIVE_INFINITY;
    let lastCounts = '';
    let finished = false;
    const state = (): ProgressState => ({
      label,
      done,
      total,
      unit: options.unit,
      detail,
      elapsedMs: this.now() - started,
    });
    const draw = (final: boolean) => {
      if (this.quiet) return;
      if (this.ttyProgress) {
        const line = formatProgress(state(), 'tty', this.errStyle);
        if (final) {
          this.block = this.block.filter((b) => b.id !== id);
          this.withBlockCleared(() => this.stderr.write(`${this.fit(line)}\n`));
        } else {
          const entry = this.block.find((b) => b.id === id);
          if (entry) entry.line = line;
          else this.block.push({ id, line });
          this.withBlockCleared(() => undefined);
        }
        return;
      }
      // A log gets a line only when the counts moved: a finished stage waiting beside others stays quiet.
      const counts = `${done}|${total}|${detail}`;
      if (counts === lastCounts) return;
      lastCounts = counts;
      this.stderr.write(`${formatProgress(state(), 'plain')}\n`);
    };
    return {
      update: (value, opts = {}) => {
        if (finished) return;
        done = value;
        if (opts.total !== undefined) total = opts.total;
        if (opts.detail !== undefined) detail = opts.detail;
        const t = this.now();
        if (t - lastDraw < (this.ttyProgress ? TTY_EVERY_MS : this.plainEveryMs)) return;
        lastDraw = t;
        draw(false);
      },
      done: (opts = {}) => {
        if (finished) return;
        finished = true;
        if (opts.done !== undefined) done = opts.done;
        if (opts.total !== undefined) total = opts.total;
        if (opts.detail !== undefined) detail = opts.detail;
        draw(true);
      },
    };
  }

  private toStderr(line: string): void {
    if (this.ttyProgress && this.block.length > 0)
      this.withBlockCleared(() => this.stderr.write(`${line}\n`));
    else this.stderr.write(`${line}\n`);
  }

  /** Erases the live bars, lets `write` print above them, and draws the bars again below. */
  private withBlockCleared(write: () => void): void {
    if (this.drawnLines > 0) this.stderr.write(`\u001b[${this.drawnLines}A\r\u001b[0J`);
    write();
    for (const entry of this.block) this.stderr.write(`${this.fit(entry.line)}\n`);
    this.drawnLines = this.block.length;
  }

  /** Cuts a line to the terminal width: a wrapped line would break the cursor arithmetic of the redraw. */
  private fit(line: string): string {
    const columns = this.stderr.columns;
    if (!columns || stripAnsi(line).length < columns) return line;
    const plain = stripAnsi(line);
    return plain.slice(0, Math.max(10, columns - 2));
  }
}
