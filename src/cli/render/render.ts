// Output: with --json exactly one JSON document on stdout; otherwise the result as text on stdout.
// Warnings, errors, colour and progress go to stderr. Colour is off with NO_COLOR, --no-color or no TTY.
import type { MregError } from '../../errors.js';

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
      return new Chalk({ level: 1 });
    };
    const interactive = Boolean(streams.stderr.isTTY) && !options.env.CI;
    return new Renderer(streams, options.json, interactive, await styled(streams.stdout.isTTY), await styled(streams.stderr.isTTY));
  }

  /** Prints the command's result: `data` under --json, else the text (if any). */
  result(data: unknown, text?: string): void {
    if (this.json) this.streams.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    else if (text) this.streams.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  note(text: string): void {
    if (!this.json) this.streams.stderr.write(`${text}\n`);
  }

  warn(text: string): void {
    this.streams.stderr.write(`${this.err.yellow('warning:')} ${text}\n`);
  }

  error(error: MregError): void {
    if (this.json) {
      this.streams.stdout.write(`${JSON.stringify({ error: error.toJSON() }, null, 2)}\n`);
      return;
    }
    this.streams.stderr.write(`${this.err.red('mreg:')} ${error.message}\n`);
    if (error.hint) this.streams.stderr.write(`${this.err.dim(`hint: ${error.hint}`)}\n`);
  }

  /** A spinner with live text on an interactive terminal; nothing at all elsewhere (CI logs stay clean). */
  async progress(initial: string): Promise<Progress> {
    if (!this.interactive) return { update() {}, stop() {} };
    const { default: ora } = await import('ora');
    const spinner = ora({ text: initial, stream: this.streams.stderr as NodeJS.WriteStream, discardStdin: false }).start();
    return {
      update(text) {
        spinner.text = text; // painted on ora's own interval, so a fast caller costs nothing
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
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}
