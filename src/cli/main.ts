// Builds the commander program from the command table and runs one command. Never calls
// process.exit: returns the exit code, so it can run in-process in tests as well.
import type { Command } from 'commander';
import { MregError, toMregError } from '../errors.js';
import { COMMANDS, type CommandSpec } from './commands/index.js';
import type { Context, GlobalOptions } from './context.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, exitCodeFor } from './exit.js';
import { Renderer, type Streams } from './render/render.js';

export interface RunOptions extends Streams {
  argv: string[]; // without node and script
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdinIsTTY: boolean;
  version: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

type Commander = typeof import('commander');

/** What a parse leaves behind: the command's exit code and the context it ran with. */
interface RunState {
  code: number;
  ctx?: Context;
  /** the running command's flags by the use-case option each sets ('keepLast' -> '--keep-last') */
  flags?: Map<string, string>;
}

/**
 * Errors from below the CLI name the use case's option (`data.option`, e.g. 'keepLast'); on the command
 * line the user typed a flag, so the message and hint say the flag instead.
 */
function inFlagWords(err: unknown, flags: Map<string, string> | undefined): unknown {
  const option = err instanceof MregError ? err.data?.option : undefined;
  const flag = typeof option === 'string' ? flags?.get(option) : undefined;
  if (!(err instanceof MregError) || flag === undefined) return err;
  const word = new RegExp(`\\b${option}\\b`);
  const hint = err.hint?.replace(word, flag);
  return new MregError(err.code, err.message.replace(word, flag), { ...(hint === undefined ? {} : { hint }), ...(err.data ? { data: err.data } : {}), cause: err });
}

/** The pre-commit hook's exact call: run without loading commander, since it runs on every commit. */
const HOOK_CALLS = new Set(['verify --staged', 'verify --staged --json', 'verify --json --staged']);

function reportFailure(err: unknown, render: Renderer, env: NodeJS.ProcessEnv, stderr: Streams['stderr']): number {
  const error = toMregError(err);
  render.error(error);
  if (error.code === 'INTERNAL' && env.MREG_DEBUG) stderr.write(`${(err as Error).stack}\n`);
  return error.code === 'INTERNAL' ? EXIT_FAILED : exitCodeFor(error.code);
}

/** A command group that is only a name ('remote'): its subcommands, and its help when run without one. */
function groupCommand(program: Command, name: string, summary: string): Command {
  const group = program.command(name).description(summary);
  // An unknown subcommand is a usage error that names the group and what it offers.
  group.on('command:*', (operands: string[]) => {
    const subs = group.commands.map((c) => c.name());
    const expected = subs.length > 1 ? `${subs.slice(0, -1).join(', ')} or ${subs[subs.length - 1]}` : subs.join('');
    throw new MregError('USAGE', `unknown ${name} action ${JSON.stringify(operands[0])} (expected ${expected})`, { hint: `see 'mreg ${name} --help'` });
  });
  return group;
}

/** The spellings kept for old scripts (OptionSpec.aliasOf), folded into the option they stand for. */
function foldAliases(opts: Record<string, unknown>, aliases: { attribute: string; flag: string; target: string; targetFlag: string }[]): Record<string, unknown> {
  for (const a of aliases) {
    if (opts[a.attribute] === undefined) continue;
    if (opts[a.target] !== undefined && opts[a.target] !== opts[a.attribute]) {
      throw new MregError('USAGE', `${a.targetFlag} and ${a.flag} are the same option (${a.flag} is its old spelling); give it once`);
    }
    opts[a.target] = opts[a.attribute];
    delete opts[a.attribute];
  }
  return opts;
}

function addCommand({ Option }: Commander, program: Command, spec: CommandSpec, state: RunState, makeContext: (globals: GlobalOptions) => Promise<Context>): void {
  // 'change add' is the subcommand 'add' of a command group 'change': a command listed earlier
  // ('export'), or a group made with its first subcommand.
  const [group, sub] = spec.name.split(' ');
  let parent = program;
  if (sub !== undefined) parent = program.commands.find((c) => c.name() === group) ?? groupCommand(program, group!, spec.group ?? group!);
  const cmd = parent.command(`${sub ?? spec.name}${spec.args ? ` ${spec.args}` : ''}`).description(spec.summary);
  const aliases: Parameters<typeof foldAliases>[1] = [];
  const flags = new Map<string, string>();
  for (const o of spec.options) {
    const option = new Option(o.flags, o.description);
    if (o.aliasOf === undefined) flags.set(o.option ?? option.attributeName(), option.long!);
    if (o.choices) option.choices(o.choices);
    if (o.repeatable) option.argParser(collect);
    if (o.aliasOf !== undefined) {
      option.hideHelp();
      const target = spec.options.find((t) => new Option(t.flags).attributeName() === o.aliasOf);
      aliases.push({ attribute: option.attributeName(), flag: option.long!, target: o.aliasOf, targetFlag: target ? new Option(target.flags).long! : o.aliasOf });
    }
    cmd.addOption(option);
  }
  if (spec.missing !== undefined) {
    const missing = spec.missing;
    cmd.exitOverride((err) => {
      throw err.code === 'commander.missingArgument' ? new MregError('USAGE', missing, { hint: `see 'mreg ${spec.name} --help'` }) : err;
    });
  }
  cmd.addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  $ ${e}`).join('\n')}\n`);
  cmd.action(async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command;
    const opts = foldAliases({ ...command.opts() }, aliases);
    const ctx = await makeContext(command.optsWithGlobals() as unknown as GlobalOptions);
    state.ctx = ctx;
    state.flags = flags;
    const mod = await spec.load();
    state.code = await mod.run(ctx, params.slice(0, -2), opts);
  });
}

/**
 * The commander program for one run: every command of the table, each loading its code only when it
 * runs. Its output goes to the run's streams; a parse records the exit code and context in `state`.
 */
export async function buildProgram(run: RunOptions, state: RunState = { code: EXIT_OK }): Promise<Command> {
  const wantsJson = run.argv.includes('--json');
  const commander = await import('commander');
  const program = new commander.Command('mreg')
    .description('a model registry with a local, content-addressed file store')
    .option('--json', 'print exactly one JSON document on stdout')
    .option('--store <dir>', 'the store directory (default: MREG_STORE, or the nearest .modelreg upwards)')
    .option('--no-color', 'no colour (also: NO_COLOR=1)')
    .addHelpText('after', `\nExamples:\n  $ mreg init\n  $ mreg register fraud model.onnx --change minor -m "first model"\n  $ mreg ls\n  $ mreg verify --json\n\nExit codes: 0 ok, 1 failed, 2 bad usage or input. Run 'mreg <command> --help' for a command's options.`)
    // Every subcommand's help lists --json, --store and --no-color too (inherited by each command made below).
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => run.stdout.write(text),
      writeErr: (text) => {
        if (!wantsJson) run.stderr.write(text);
      },
      outputError: () => undefined, // reported by main, as one line or as JSON
    });

  const makeContext = async (globals: GlobalOptions): Promise<Context> => ({
    cwd: run.cwd,
    env: run.env,
    stdinIsTTY: run.stdinIsTTY,
    globals: { json: Boolean(globals.json), color: globals.color !== false, ...(globals.store ? { store: globals.store } : {}) },
    render: await Renderer.create(run, { json: Boolean(globals.json), color: globals.color !== false, env: run.env }),
  });
  for (const spec of COMMANDS) addCommand(commander, program, spec, state, makeContext);
  return program;
}

export async function main(run: RunOptions): Promise<number> {
  const wantsJson = run.argv.includes('--json');
  const colorFlag = !run.argv.includes('--no-color');
  const fallback = await Renderer.create(run, { json: wantsJson, color: colorFlag, env: run.env });
  const state: RunState = { code: EXIT_OK };

  if (HOOK_CALLS.has(run.argv.join(' '))) {
    try {
      const ctx: Context = { cwd: run.cwd, env: run.env, stdinIsTTY: run.stdinIsTTY, globals: { json: wantsJson, color: true }, render: fallback };
      return await (await import('./commands/verify.js')).run(ctx, [], { staged: true });
    } catch (err) {
      return reportFailure(err, fallback, run.env, run.stderr);
    }
  }

  const program = await buildProgram(run, state);
  const { CommanderError } = await import('commander');

  const positional = run.argv.filter((a) => a !== '--json' && a !== '--no-color');
  if (positional.length === 1 && (positional[0] === '--version' || positional[0] === '-V')) {
    fallback.result({ version: run.version }, run.version);
    return EXIT_OK;
  }
  if (run.argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT_USAGE;
  }

  try {
    await program.parseAsync(run.argv, { from: 'user' });
    return state.code;
  } catch (err) {
    const render = state.ctx?.render ?? fallback;
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return EXIT_OK; // --help
      // A command group without its subcommand ('mreg change'): commander has shown the group's help on stderr.
      if (err.code === 'commander.help' && !wantsJson) return EXIT_USAGE;
      const message = err.code === 'commander.help' ? 'a subcommand is required' : err.message.replace(/^error: /, '');
      render.error(new MregError('USAGE', message, { hint: "see 'mreg --help' or 'mreg <command> --help'" }));
      return EXIT_USAGE;
    }
    return reportFailure(inFlagWords(err, state.flags), render, run.env, run.stderr);
  }
}
