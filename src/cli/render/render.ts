// Output: with --json exactly one JSON document on stdout; otherwise the result as text on stdout.
// Warnings, errors (also under --json), colour and progress go to stderr. Colour is off with NO_COLOR, --no-color or no TTY.
import { randomBytes } from 'node:crypto';
import type { MregError } from '../../errors.js';

// Everything mreg prints may hold text from hostile files and remotes (file names, manifest fields, history
// events), so every text write escapes control characters here, in one place: an ESC or OSC sequence in a
// file name must not reach the terminal. mreg's own colours must, so the styles do not emit ESC directly:
// they emit a marker made unforgeable by a random per-process token, escaped text cannot contain it, and the
// writer turns markers back into ESC after escaping.
const MARK = `\u{E000}${randomBytes(6).toString('hex')}`;

/** C0 and C1 controls (but newline and tab), DEL, line/paragraph separators and bidirectional overrides. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Text with every control character written as a visible \uXXXX escape. */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** What reaches a stream: escaped, with the styles' markers turned back into the colour codes they stand for. */
function terminalText(text: string): string {
  return escapeControls(text).replaceAll(MARK, '\u001b');
}

/** A colour style whose codes survive escaping: its input is escaped first, its own ESCs become markers. */
function marked(style: (text: string) => string): (text: string) => string {
  return (text) => style(escapeControls(text)).replaceAll('\u001b', MARK);
}

export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** The few styles mreg uses; plain functions when colour is off, so chalk loads only for a terminal. */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
}

const PLAIN: Style = { bold: String, dim: String, red: String, green: String, yellow: String };

export interface RendererOptions {
  json: boolean;
  color: boolean;
  env: NodeJS.ProcessEnv;
}

export interface Progress {
  update(text: string): void;
  stop(): void;
}

export class Renderer {
  readonly json: boolean;
  /** stderr is a terminal and CI is not set: spinners; otherwise plain lines or nothing */
  readonly interactive: boolean;

  private constructor(
    private readonly streams: Streams,
    json: boolean,
    interactive: boolean,
    /** colour for stdout text */
    readonly out: Style,
    /** colour for stderr text */
    readonly err: Style,
  ) {
    this.json = json;
    this.interactive = interactive;
  }

  static async create(streams: Streams, options: RendererOptions): Promise<Renderer> {
    const allowed = options.color && !(options.env.NO_COLOR !== undefined && options.env.NO_COLOR !== '');
    const styled = async (tty: boolean | undefined): Promise<Style> => {
      if (!allowed || !tty) return PLAIN;
      const { Chalk } = await import('chalk');
      const chalk = new Chalk({ level: 1 });
      return { bold: marked(chalk.bold), dim: marked(chalk.dim), red: marked(chalk.red), green: marked(chalk.green), yellow: marked(chalk.yellow) };
    };
    const interactive = Boolean(streams.stderr.isTTY) && !options.env.CI;
    return new Renderer(streams, options.json, interactive, await styled(streams.stdout.isTTY), await styled(streams.stderr.isTTY));
  }

  /** Prints the command's result: `data` under --json, else the text (if any; a function is called only then). */
  result(data: unknown, text?: string | (() => string)): void {
    if (this.json) {
      this.streams.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
      return;
    }
    const shown = typeof text === 'function' ? text() : text;
    if (shown) this.streams.stdout.write(terminalText(shown.endsWith('\n') ? shown : `${shown}\n`));
  }

  note(text: string): void {
    if (!this.json) this.streams.stderr.write(terminalText(`${text}\n`));
  }

  warn(text: string): void {
    this.streams.stderr.write(terminalText(`${this.err.yellow('warning:')} ${text}\n`));
  }

  /** The error as one line (and hint) on stderr; under --json also as the document on stdout, so a CI log piping stdout to jq still shows why. */
  error(error: MregError): void {
    if (this.json) this.streams.stdout.write(`${JSON.stringify({ error: error.toJSON() }, null, 2)}\n`);
    this.streams.stderr.write(terminalText(`${this.err.red('mreg:')} ${error.message}\n`));
    if (error.hint) this.streams.stderr.write(terminalText(`${this.err.dim(`hint: ${error.hint}`)}\n`));
  }

  /**
   * Why a command whose result document says it failed exits 1, as one line on stderr under --json (the text
   * output says it already), so `mreg verify --json | jq` in a CI log still shows the reason.
   */
  failedResult(message: string): void {
    if (this.json) this.streams.stderr.write(terminalText(`${this.err.red('mreg:')} ${message}\n`));
  }

  /** A spinner with live text on an interactive terminal; nothing at all elsewhere (CI logs stay clean). */
  async progress(initial: string): Promise<Progress> {
    if (!this.interactive) return { update() {}, stop() {} };
    const { default: ora } = await import('ora');
    const spinner = ora({ text: terminalText(initial), stream: this.streams.stderr as NodeJS.WriteStream, discardStdin: false }).start();
    return {
      update(text) {
        spinner.text = terminalText(text); // painted on ora's own interval, so a fast caller costs nothing
      },
      stop() {
        spinner.stop();
      },
    };
  }
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${UNITS[unit]}`;
}

/** Bytes done (of a total, when known), and the rate since `startedAt`. */
export function throughput(bytes: number, startedAt: number, total?: number): string {
  const seconds = Math.max((Date.now() - startedAt) / 1000, 0.001);
  return `${formatBytes(bytes)}${total === undefined ? '' : ` of ${formatBytes(total)}`} at ${formatBytes(bytes / seconds)}/s`;
}

export function table(rows: string[][], header?: string[]): string {
  const all = header ? [header, ...rows] : rows;
  const widths: number[] = [];
  for (const row of all) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return all
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visibleLength(cell)))).join('  '))
    .join('\n');
}

function visibleLength(text: string): number {
  return text.replaceAll(MARK, '\u001b').replace(/\u001b\[[0-9;]*m/g, '').length;
}
