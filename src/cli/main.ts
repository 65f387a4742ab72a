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

/** The pre-commit hook's exact call: run without loading commander, since it runs on every commit. */
const HOOK_CALLS = new Set(['verify --staged', 'verify --staged --json', 'verify --json --staged']);

function reportFailure(err: unknown, render: Renderer, env: NodeJS.ProcessEnv, stderr: Streams['stderr']): number {
  const error = toMregError(err);
  render.error(error);
  if (error.code === 'INTERNAL' && env.MREG_DEBUG) stderr.write(`${(err as Error).stack}\n`);
  return error.code === 'INTERNAL' ? EXIT_FAILED : exitCodeFor(error.code);
}

function addCommand({ Option }: Commander, program: Command, spec: CommandSpec, state: { code: number; ctx?: Context }, makeContext: (globals: GlobalOptions) => Promise<Context>): void {
  // 'change add' is the subcommand 'add' of a command group 'change', created with its first subcommand.
  const [group, sub] = spec.name.split(' ');
  let parent = program;
  if (sub !== undefined) {
    parent = program.commands.find((c) => c.name() === group) ?? program.command(group!).description(spec.group ?? group!);
  }
  const cmd = parent.command(`${sub ?? spec.name}${spec.args ? ` ${spec.args}` : ''}`).description(spec.summary);
  for (const o of spec.options) {
    const option = new Option(o.flags, o.description);
    if (o.choices) option.choices(o.choices);
    if (o.repeatable) option.argParser(collect);
    cmd.addOption(option);
  }
  cmd.addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  $ ${e}`).join('\n')}\n`);
  cmd.action(async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command;
    const opts = command.opts();
    const ctx = await makeContext(command.optsWithGlobals() as unknown as GlobalOptions);
    state.ctx = ctx;
    const mod = await spec.load();
    state.code = await mod.run(ctx, params.slice(0, -2), opts);
  });
}

export async function main(run: RunOptions): Promise<number> {
  const wantsJson = run.argv.includes('--json');
  const colorFlag = !run.argv.includes('--no-color');
  const fallback = await Renderer.create(run, { json: wantsJson, color: colorFlag, env: run.env });
  const state: { code: number; ctx?: Context } = { code: EXIT_OK };

  if (HOOK_CALLS.has(run.argv.join(' '))) {
    try {
      const ctx: Context = { cwd: run.cwd, env: run.env, stdinIsTTY: run.stdinIsTTY, globals: { json: wantsJson, color: true }, render: fallback };
      return await (await import('./commands/verify.js')).run(ctx, [], { staged: true });
    } catch (err) {
      return reportFailure(err, fallback, run.env, run.stderr);
    }
  }

  const commander = await import('commander');
  const { Command, CommanderError } = commander;
  const program = new Command('mreg')
    .description('a model registry with a local, content-addressed file store')
    .option('--json', 'print exactly one JSON document on stdout')
    .option('--store <dir>', 'the store directory (default: MREG_STORE, or the nearest .modelreg upwards)')
    .option('--no-color', 'no colour (also: NO_COLOR=1)')
    .addHelpText('after', `\nExamples:\n  $ mreg init\n  $ mreg register fraud model.onnx --change minor -m "first model"\n  $ mreg ls\n  $ mreg verify --json\n\nExit codes: 0 ok, 1 failed, 2 bad usage or input. Run 'mreg <command> --help' for a command's options.`)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => run.stdout.write(text),
      writeErr: (text) => {
        if (!wantsJson) run.stderr.write(text);
      },
      outputError: () => undefined, // reported below, as one line or as JSON
    });

  const makeContext = async (globals: GlobalOptions): Promise<Context> => ({
    cwd: run.cwd,
    env: run.env,
    stdinIsTTY: run.stdinIsTTY,
    globals: { json: Boolean(globals.json), color: globals.color !== false, ...(globals.store ? { store: globals.store } : {}) },
    render: await Renderer.create(run, { json: Boolean(globals.json), color: globals.color !== false, env: run.env }),
  });
  for (const spec of COMMANDS) addCommand(commander, program, spec, state, makeContext);

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
    return reportFailure(err, render, run.env, run.stderr);
  }
}
