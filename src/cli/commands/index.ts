// The command table: names, arguments, options and help for every command. Each command's code
// lives in its own module, loaded only when that command runs, so start-up stays fast.
import type { Context } from '../context.js';

export interface OptionSpec {
  flags: string;
  description: string;
  repeatable?: boolean;
  choices?: readonly string[];
}

export interface CommandSpec {
  name: string;
  /** commander argument syntax: '<model> <path...>' */
  args: string;
  summary: string;
  options: OptionSpec[];
  examples: string[];
  load: () => Promise<{ run: (ctx: Context, args: unknown[], opts: Record<string, unknown>) => Promise<number> }>;
}

export const COMMANDS: CommandSpec[] = [
  {
    name: 'init',
    args: '',
    summary: 'create a .modelreg store here (or at --store); safe to run again',
    options: [],
    examples: ['mreg init', 'mreg init --store /srv/registry'],
    load: () => import('./init.js'),
  },
  {
    name: 'register',
    args: '<model> <paths...>',
    summary: 'store files, directories or globs as a new version of a model',
    options: [
      { flags: '--version <semver>', description: 'the version to register (any valid semver not yet registered)' },
      { flags: '--change <type>', description: 'bump the highest version: major, minor or patch', choices: ['major', 'minor', 'patch'] },
      { flags: '-m, --message <text>', description: 'what this version is' },
      { flags: '--param <key=value>', description: 'a hyperparameter or config value (repeatable)', repeatable: true },
      { flags: '--metric <key=value>', description: 'a metric or validation score (repeatable)', repeatable: true },
      { flags: '--tag <key=value>', description: 'a tag (repeatable)', repeatable: true },
      { flags: '--meta <file>', description: 'YAML or JSON file with metadata: params, metrics, tags, data, pipeline, architecture, framework, training, requirements, message' },
      { flags: '--actor <name>', description: 'who registers (default: MREG_ACTOR, git user.email, $USER)' },
    ],
    examples: [
      'mreg register fraud model.onnx --change minor -m "retrained on March data" --metric auc=0.91',
      'mreg register fraud ./out --version 2.0.0 --meta training/meta.yaml',
      "mreg register fraud 'build/**/*.safetensors' --change patch --json",
    ],
    load: () => import('./register.js'),
  },
  {
    name: 'show',
    args: '<ref>',
    summary: 'show one version: model@1.2.3, model@latest or model',
    options: [],
    examples: ['mreg show fraud', 'mreg show fraud@1.2.0 --json'],
    load: () => import('./show.js'),
  },
  {
    name: 'ls',
    args: '[model]',
    summary: "list models with their latest version, or one model's versions",
    options: [],
    examples: ['mreg ls', 'mreg ls fraud --json'],
    load: () => import('./ls.js'),
  },
  {
    name: 'verify',
    args: '',
    summary: 're-hash every blob and check every manifest; exit 1 on any problem',
    options: [],
    examples: ['mreg verify', 'mreg verify --json'],
    load: () => import('./verify.js'),
  },
  {
    name: 'export',
    args: '<ref> <dir>',
    summary: "write a version's artifacts to a directory, re-hashing every byte",
    options: [{ flags: '--force', description: 'overwrite files that already exist in <dir>' }],
    examples: ['mreg export fraud@1.2.0 ./serving/model', 'mreg export fraud ./out --force --json'],
    load: () => import('./export.js'),
  },
];
