// The command table: names, arguments, options and help for every command. Each command's code
// lives in its own module, loaded only when that command runs, so start-up stays fast.
import type { Context } from '../context.js';

export interface OptionSpec {
  flags: string;
  description: string;
  repeatable?: boolean;
  choices?: readonly string[];
  /**
   * Another spelling of an option of the same command, kept so scripts do not break: hidden from
   * help, and its value reaches the command under that option's name ('change' for --type).
   */
  aliasOf?: string;
  /** the use-case option this flag sets, where it is not the flag's own name ('parents' for --parent) */
  option?: string;
}

export interface CommandSpec {
  /**
   * 'register', or 'change add' for a subcommand of a command group. A group is either only a
   * name (summary from `group` on its first subcommand; run without a subcommand it shows its help
   * and exits 2) or a command of its own listed before its subcommands ('export', 'export k8s').
   */
  name: string;
  /** a command group's summary, given on its first subcommand when the group is not a command itself */
  group?: string;
  /** commander argument syntax: '<model> <path...>' */
  args: string;
  summary: string;
  /** said instead of commander's "missing required argument" when an argument is missing */
  missing?: string;
  options: OptionSpec[];
  examples: string[];
  /** the command's code, loaded when it runs: a module's run, or for a group's file one of its exports */
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
    summary: 'store files, directories or globs as a new version of a model (or of a data set, feature set or pipeline: --kind)',
    options: [
      { flags: '--version <semver>', description: 'the version to register (any valid semver not yet registered)' },
      { flags: '--change <type>', description: 'bump the highest version: major, minor or patch (the highest of this and the pending change files wins)', choices: ['major', 'minor', 'patch'] },
      { flags: '--type <type>', description: 'the old spelling of --change', choices: ['major', 'minor', 'patch'], aliasOf: 'change' },
      { flags: '--pre <tag>', description: 'register a pre-release: 1.3.0-rc.0, then 1.3.0-rc.1, ...' },
      { flags: '--line <line>', description: 'a maintenance line (1 or 1.4): bump from its highest version and compare with it, consuming the changes declared for it' },
      { flags: '-m, --message <text>', description: 'what this version is' },
      { flags: '--param <key=value>', description: 'a hyperparameter or config value (repeatable)', repeatable: true },
      { flags: '--metric <key=value>', description: 'a metric or validation score (repeatable)', repeatable: true },
      { flags: '--tag <key=value>', description: 'a tag (repeatable)', repeatable: true },
      { flags: '--meta <file>', description: 'YAML or JSON file with metadata: params, metrics, tags, data, pipeline, architecture, framework, training, requirements, signature, lineage, message' },
      { flags: '--kind <kind>', description: 'what the name holds (default model); a name holds one kind', choices: ['model', 'dataset', 'features', 'pipeline'] },
      { flags: '--parent <ref>', option: 'parents', description: 'a version this one was derived from, name@version (a range or stage is resolved now), or a URI (repeatable)', repeatable: true },
      { flags: '--data <ref>', description: 'a registered data set, name@version, or <uri>[#sha256=<hex>] (repeatable)', repeatable: true },
      { flags: '--features <ref>', description: 'a registered feature set, name@version, or a URI (repeatable)', repeatable: true },
      { flags: '--pipeline <ref>', description: 'a registered pipeline, name@version, or a URI (repeatable)', repeatable: true },
      { flags: '--actor <name>', description: 'who registers (default: MREG_ACTOR, git user.email, $USER)' },
      { flags: '--allow-unsafe', description: 'register pickle-based files that would run code when loaded (recorded in the manifest)' },
      { flags: '--card <file>', description: 'a hand-written model card (Markdown, Hugging Face format) stored with the version as MODEL_CARD.md; mreg card merges it with the recorded facts' },
      { flags: '--rehash', description: 'hash every file, ignoring the stat cache (which skips files unchanged since they were last hashed)' },
    ],
    examples: [
      'mreg register fraud model.onnx --change minor -m "retrained on March data" --metric auc=0.91',
      'mreg register fraud ./out --version 2.0.0 --meta training/meta.yaml',
      "mreg register fraud 'build/**/*.safetensors' --change patch --json",
      'mreg register fraud model.onnx                     # the version comes from the pending change files',
      'mreg register vad legacy.onnx --change patch --line 1  # a 1.x hotfix after 2.0.0 exists',
      'mreg register transactions data/ --kind dataset --version 2.1.0 --data s3://raw/tx-2026-03#sha256=<hex>',
      'mreg register fraud model.onnx --change minor --parent base@^2 --data transactions@2.1.0 --features fraud-features@1.4.0',
    ],
    load: () => import('./register.js'),
  },
  {
    name: 'change add',
    group: 'declared changes: add, rm, edit, ls, status (consumed by register)',
    args: '<models...>',
    summary: 'declare a change of one or more models in a pending change file under .modelreg/changes/',
    options: [
      { flags: '--change <type>', description: 'major, minor or patch (required)', choices: ['major', 'minor', 'patch'] },
      { flags: '--type <type>', description: 'the old spelling of --change', choices: ['major', 'minor', 'patch'], aliasOf: 'change' },
      { flags: '-m, --message <summary>', description: 'what changed, for the changelog (required)' },
      { flags: '--line <line>', description: 'a maintenance line (1 or 1.4): the change waits for a register or bump with that --line' },
    ],
    examples: [
      'mreg change add fraud --change minor -m "Add the customer-age input"',
      'mreg change add fraud churn --change patch -m "Retrained on March data" --json',
      'mreg change add vad --change patch --line 1 -m "Fix the 1.x resampler"',
    ],
    load: () => import('./change-add.js'),
  },
  {
    name: 'change rm',
    args: '<id>',
    summary: 'delete a pending change file (refused once a version consumed it)',
    options: [],
    examples: ['mreg change rm add-the-customer-age-input-3f9a2c', 'mreg change rm add-the-customer-age-input-3f9a2c --json'],
    load: () => import('./change-rm.js'),
  },
  {
    name: 'change edit',
    args: '<id>',
    summary: "change a pending change's type or summary (refused once a version consumed it)",
    options: [
      { flags: '--change <type>', description: 'the new type for every model the change names: major, minor or patch', choices: ['major', 'minor', 'patch'] },
      { flags: '--type <type>', description: 'the old spelling of --change', choices: ['major', 'minor', 'patch'], aliasOf: 'change' },
      { flags: '-m, --message <summary>', description: 'the new summary' },
    ],
    examples: ['mreg change edit add-the-customer-age-input-3f9a2c --change major', 'mreg change edit add-the-customer-age-input-3f9a2c -m "Add the customer-age input (breaking)"'],
    load: () => import('./change-edit.js'),
  },
  {
    name: 'change ls',
    args: '',
    summary: 'list the pending changes',
    options: [],
    examples: ['mreg change ls', 'mreg change ls --json'],
    load: () => import('./change-ls.js'),
  },
  {
    name: 'change status',
    args: '',
    summary: 'the pending changes and the next version each model would get; with --require, a CI gate',
    options: [{ flags: '--require <model>', description: 'exit 1 unless this model has a pending change (repeatable)', repeatable: true }],
    examples: ['mreg change status', 'mreg change status --require fraud --json'],
    load: () => import('./change-status.js'),
  },
  {
    name: 'bump',
    args: '<model> [paths...]',
    summary: "compute a model's next version without writing anything; with files, check the declared change against them",
    options: [
      { flags: '--change <type>', description: 'declare a change on the command line: major, minor or patch (the highest of this and the pending changes wins)', choices: ['major', 'minor', 'patch'] },
      { flags: '--type <type>', description: 'the old spelling of --change', choices: ['major', 'minor', 'patch'], aliasOf: 'change' },
      { flags: '--pre <tag>', description: 'a pre-release: 1.3.0-rc.0, then 1.3.0-rc.1, ...' },
      { flags: '--line <line>', description: 'a maintenance line (1 or 1.4): bump from its highest version, with the changes declared for it' },
      { flags: '--meta <file>', description: 'the metadata file register will get (its declared signature is checked)' },
    ],
    examples: ['V=$(mreg bump fraud)', 'mreg bump fraud model.onnx --json', 'mreg bump fraud --change minor', 'mreg bump fraud --pre rc', 'mreg bump vad --change patch --line 1'],
    load: () => import('./bump.js'),
  },
  {
    name: 'changelog',
    args: '<model>',
    summary: "a model's changelog in Markdown, newest version first, with migration guides for breaking versions",
    options: [],
    examples: ['mreg changelog fraud > CHANGELOG.md', 'mreg changelog fraud --json'],
    load: () => import('./changelog.js'),
  },
  {
    name: 'show',
    args: '<ref>',
    summary: 'show one version: model, model@latest, model@1.2.3, model@<stage> or model@<range>',
    options: [{ flags: '--at <time>', description: 'resolve a stage as it was at this moment (ISO 8601, e.g. 2026-03-02T14:00:00Z)' }],
    examples: ['mreg show fraud', 'mreg show fraud@1.2.0 --json', 'mreg show fraud@production --at 2026-03-02T14:00:00Z', "mreg show 'fraud@^1.2'"],
    load: () => import('./show.js'),
  },
  {
    name: 'card',
    args: '<ref>',
    summary: "a version's model card in Markdown (Hugging Face format): front matter, intended use, training data with lineage, metrics, interface, limitations",
    options: [],
    examples: ['mreg card fraud > README.md', 'mreg card fraud@production', 'mreg card fraud@1.2.0 --json'],
    load: () => import('./card.js'),
  },
  {
    name: 'ls',
    args: '[model]',
    summary: "list models with their latest version, or one model's versions: filtered, sorted and limited",
    options: [
      { flags: '--where <expr>', description: "with a model: only the versions this filter matches, e.g. \"metrics.auc >= 0.9 and tags.owner = 'risk'\" (keys metrics.<name>, params.<name>, tags.<name>, stage, version, created_at; = != < <= > >=; and)" },
      { flags: '--sort <key>', description: 'with a model: sort by this key, minus in front for descending (-metrics.auc); repeatable, the first key wins', repeatable: true },
      { flags: '--limit <n>', description: 'with a model: at most n versions, after filtering and sorting' },
    ],
    examples: ['mreg ls', 'mreg ls fraud --json', "mreg ls fraud --where \"metrics.auc >= 0.9 and stage = 'staging'\" --sort -metrics.auc --limit 3", "mreg ls fraud --where \"tags.owner = 'risk'\" --sort -created_at --json"],
    load: () => import('./ls.js'),
  },
  {
    name: 'report',
    args: '',
    summary: 'write the web view as static HTML pages (models, versions, metric charts, stage timeline, lineage) for any static host',
    options: [
      { flags: '--out <dir>', description: 'the directory to write the pages to (required; created, pages already there are overwritten, pages an earlier report wrote that no longer exist are removed)' },
      { flags: '--model <name>', option: 'models', description: 'only this model (repeatable; default every name in the store)', repeatable: true },
    ],
    examples: ['mreg report --out site', 'mreg report --out public --model fraud --model transactions', 'mreg report --out site --json'],
    load: () => import('./report.js'),
  },
  {
    name: 'ui',
    args: '',
    summary: 'serve the web view of the store, read-only, on 127.0.0.1 until Ctrl-C; pages are drawn from the store on each request',
    options: [
      { flags: '--port <n>', description: 'the TCP port (default 4317; 0 picks a free one)' },
      { flags: '--host <address>', description: 'the address to listen on (default 127.0.0.1; anything else is reachable from the network, with a warning)' },
      { flags: '--open', description: 'open the view in the default browser' },
    ],
    examples: ['mreg ui', 'mreg ui --port 8080 --open', 'mreg ui --host 0.0.0.0   # reachable from other machines: read-only, with a warning'],
    load: () => import('./ui.js'),
  },
  {
    name: 'verify',
    args: '',
    summary: 're-hash every blob and check every manifest and history; exit 1 on any problem',
    options: [
      { flags: '--staged', description: 'check only what the git index changes in the store (the pre-commit hook)' },
      { flags: '--signatures', description: 'also check every signature against the trusted keys, the manifests and the blobs' },
    ],
    examples: ['mreg verify', 'mreg verify --json', 'mreg verify --staged'],
    load: () => import('./verify.js'),
  },
  {
    name: 'export',
    args: '<ref> [dir]',
    summary: "write a version's artifacts to a directory (re-hashing every byte), or 'export k8s <ref>': blue-green Kubernetes manifests",
    options: [
      { flags: '--force', description: 'overwrite files that already exist in <dir>' },
      {
        flags: '--link <type>',
        description: 'how files are made from the store: copy (default), reflink (copy-on-write clone, else a copy), hardlink or symlink (no space, no time; read-only). Every blob is re-hashed first',
        choices: ['copy', 'reflink', 'hardlink', 'symlink'],
      },
    ],
    examples: ['mreg export fraud@1.2.0 ./serving/model', 'mreg export fraud ./out --force --json', 'mreg export fraud@production /srv/models/fraud --link hardlink', 'mreg export k8s fraud@production | kubectl apply -f -'],
    load: () => import('./export.js'),
  },
  {
    name: 'export k8s',
    args: '<ref>',
    summary: "a version's blue-green Kubernetes manifests: its Deployment and the Service that selects it, as YAML on stdout",
    options: [
      { flags: '--replicas <n>', description: 'replicas of the Deployment (default 3)' },
      { flags: '--image <image>', description: 'container image (default <model>:<version>)' },
    ],
    examples: ['mreg export k8s fraud@production --replicas 3 --image registry/fraud:1.2.3 | kubectl apply -f -', 'mreg export k8s fraud@1.3.0 --json'],
    load: () => import('./export-k8s.js'),
  },
  {
    name: 'promote',
    args: '<ref> <stage>',
    summary: 'move a version into a stage, applying the stage rules from config.yaml',
    options: [
      { flags: '--reason <text>', description: 'why (recorded in the history)' },
      { flags: '--force', description: 'override the stage rules (recorded as forced)' },
      { flags: '--actor <name>', description: 'who promotes (default: MREG_ACTOR, git user.email, $USER)' },
    ],
    examples: ['mreg promote fraud@1.2.0 staging', 'mreg promote fraud@staging production --reason "beat 1.1.0 on March data"'],
    load: () => import('./promote.js'),
  },
  {
    name: 'demote',
    args: '<ref> <stage>',
    summary: 'take a version out of a stage',
    options: [
      { flags: '--reason <text>', description: 'why (recorded in the history)' },
      { flags: '--actor <name>', description: 'who demotes' },
    ],
    examples: ['mreg demote fraud@1.3.0 staging --reason "data leak found"'],
    load: () => import('./demote.js'),
  },
  {
    name: 'check',
    args: '<ref>',
    summary: "run the configured checks on a version's files and record the results",
    options: [
      { flags: '--only <name>', description: 'run only this check (repeatable)', repeatable: true },
      { flags: '--actor <name>', description: 'who ran the checks' },
    ],
    examples: ['mreg check fraud@1.3.0', 'mreg check fraud@staging --only smoke --json'],
    load: () => import('./check.js'),
  },
  {
    name: 'history',
    args: '<model>',
    summary: "a model's events, oldest first: register, promote, demote, check, ...",
    options: [{ flags: '--stage <stage>', description: 'only events that moved a version into or out of this stage' }],
    examples: ['mreg history fraud', 'mreg history fraud --stage production --json'],
    load: () => import('./history.js'),
  },
  {
    name: 'diff',
    args: '<refA> <refB>',
    summary: 'compare two versions: metrics, params, artifacts, data, pipeline and interface changes',
    options: [],
    examples: ['mreg diff fraud@production fraud@staging', 'mreg diff fraud@1.2.0 fraud@1.3.0 --json'],
    load: () => import('./diff.js'),
  },
  {
    name: 'lineage',
    args: '<ref>',
    summary: 'what a version was made from (upstream) and what was made from it (downstream): a tree, JSON, dot or mermaid',
    options: [
      { flags: '--up', description: 'only upstream: parents, data, features and pipelines, transitively' },
      { flags: '--down', description: 'only downstream: every version made from it, transitively' },
      { flags: '--depth <n>', description: 'follow at most n references in each direction' },
      { flags: '--format <format>', description: 'text (an indented tree, the default), json, dot (Graphviz) or mermaid (renders in GitHub Markdown)', choices: ['text', 'json', 'dot', 'mermaid'] },
    ],
    examples: ['mreg lineage fraud@1.3.0', 'mreg lineage fraud@production --up --depth 2', 'mreg lineage transactions@2.1.0 --down --format mermaid >> LINEAGE.md', 'mreg lineage fraud --format dot | dot -Tsvg > lineage.svg', "mreg lineage 's3://raw/tx-2026-03' --json"],
    load: () => import('./lineage.js'),
  },
  {
    name: 'impact',
    args: '<component>',
    summary: 'every version made from a component (name@version, name@<range>: every match, or a URI), with the path and stages',
    options: [{ flags: '--fail-on-stage <stage>', description: 'exit 1 when an affected version is in this stage (a CI gate)' }],
    examples: ['mreg impact transactions@2.1.0', "mreg impact 'transactions@^2' --fail-on-stage production", 'mreg impact s3://raw/tx-2026-03 --json'],
    load: () => import('./impact.js'),
  },
  {
    name: 'deploy',
    args: '<ref>',
    summary: "deploy a version to a target through its playbook; roll back automatically if a step fails",
    options: [
      { flags: '--target <name>', description: 'the target from config.yaml (optional when it declares only one)' },
      { flags: '--dry-run', description: 'print the ordered plan with resolved versions, URLs and commands; touch nothing' },
      { flags: '--force', description: "override the target stage's promotion rules (recorded)" },
      { flags: '--actor <name>', description: 'who deploys' },
    ],
    examples: ['mreg deploy fraud@staging --target prod', 'mreg deploy fraud@1.3.0 --target prod --dry-run', 'mreg deploy fraud@1.3.0 --target prod --json'],
    load: () => import('./deploy.js'),
  },
  {
    name: 'rollback',
    args: '<model>',
    summary: 'roll a target back to the last version that deployed healthy before the live one',
    options: [
      { flags: '--target <name>', description: 'the target from config.yaml (optional when only one has served the model)' },
      { flags: '--to <version>', description: 'roll back to this version instead' },
      { flags: '--dry-run', description: 'print the plan; touch nothing' },
      { flags: '--actor <name>', description: 'who rolls back' },
    ],
    examples: ['mreg rollback fraud --target prod', 'mreg rollback fraud --target prod --to 1.1.0 --json'],
    load: () => import('./rollback.js'),
  },
  {
    name: 'status',
    args: '<model>',
    summary: 'what a target runs: live version, when and by whom it was deployed, the last outcome, drift from its stage',
    options: [
      { flags: '--target <name>', description: 'the target from config.yaml (optional when only one has served the model)' },
      { flags: '--check', description: "exit 1 when the live version differs from the one the target's stage holds (drift), for a monitoring cron" },
    ],
    examples: ['mreg status fraud', 'mreg status fraud --target prod --json', 'mreg status fraud --check'],
    load: () => import('./status.js'),
  },
  {
    name: 'route set',
    group: 'A/B routing between versions: set, get, show',
    args: '<model> <splits...>',
    summary: 'route users between versions by weight: <version>=<weight>..., the weights summing to 1 (recorded in the history)',
    options: [
      { flags: '--salt <salt>', description: 'a salt for the user buckets (changes every assignment)' },
      { flags: '--actor <name>', description: 'who changes the routing (default: MREG_ACTOR, git user.email, $USER)' },
    ],
    examples: ['mreg route set fraud 1.2.3=0.8 1.3.0=0.2', 'mreg route set fraud 1.3.0=1 --salt march --json'],
    load: async () => ({ run: (await import('./route.js')).set }),
  },
  {
    name: 'route get',
    args: '<model> <user-id>',
    summary: 'the version a user is routed to (the same answer on every machine and in every language)',
    options: [],
    examples: ['mreg route get fraud user-42', 'mreg route get fraud user-42 --json'],
    load: async () => ({ run: (await import('./route.js')).get }),
  },
  {
    name: 'route show',
    args: '<model>',
    summary: "a model's routing: each version and its weight",
    options: [],
    examples: ['mreg route show fraud', 'mreg route show fraud --json'],
    load: async () => ({ run: (await import('./route.js')).show }),
  },
  {
    name: 'remote add',
    group: 'remotes that push, pull and clone use: add, ls, rm',
    args: '<name> <url>',
    summary: 'add a remote: s3://bucket/prefix, or a directory (a shared mount)',
    missing: 'remote add needs a name and a URL: mreg remote add origin s3://bucket/prefix',
    options: [
      { flags: '--endpoint <url>', description: 'an S3-compatible server (MinIO, Ceph, R2, ...), addressed path-style' },
      { flags: '--region <region>', description: 'the bucket region (default: AWS_REGION or the AWS profile)' },
      { flags: '--default', description: 'use this remote when push, pull and export name none' },
    ],
    examples: ['mreg remote add origin s3://ml-models/registry --default', 'mreg remote add minio s3://models --endpoint http://127.0.0.1:9000', 'mreg remote add share /mnt/team/models'],
    load: async () => ({ run: (await import('./remote.js')).add }),
  },
  {
    name: 'remote ls',
    args: '',
    summary: 'list the remotes',
    options: [],
    examples: ['mreg remote ls', 'mreg remote ls --json'],
    load: async () => ({ run: (await import('./remote.js')).ls }),
  },
  {
    name: 'remote rm',
    args: '<name>',
    summary: 'remove a remote from config.yaml (nothing on it is touched)',
    options: [],
    examples: ['mreg remote rm share'],
    load: async () => ({ run: (await import('./remote.js')).rm }),
  },
  {
    name: 'push',
    args: '[remote] [refs...]',
    summary: 'upload versions (all, or the named ones), their blobs and history to a remote; never overwrites a version',
    options: [],
    examples: ['mreg push', 'mreg push origin fraud@1.2.0', 'mreg push fraud@production --json'],
    load: () => import('./push.js'),
  },
  {
    name: 'pull',
    args: '[remote] [refs...]',
    summary: "download manifests and history from a remote, and the named versions' blobs (verified)",
    options: [{ flags: '--all', description: 'the blobs of every version too' }],
    examples: ['mreg pull', 'mreg pull fraud@production', 'mreg pull origin --all --json'],
    load: () => import('./pull.js'),
  },
  {
    name: 'rebase-version',
    args: '<refs...>',
    summary: "settle a version race that push refused (CONFLICT): move your content to the next free version, keep the remote's",
    options: [{ flags: '--remote <name>', description: 'the remote holding the other content (default: the default remote)' }],
    examples: ['mreg rebase-version fraud@1.0.2', 'mreg rebase-version fraud@1.0.2 --remote origin --json'],
    load: () => import('./rebase-version.js'),
  },
  {
    name: 'clone',
    args: '<url> [dir]',
    summary: 'a new store from a remote: manifests and history now, blobs on demand',
    options: [
      { flags: '--endpoint <url>', description: 'an S3-compatible server, addressed path-style' },
      { flags: '--region <region>', description: 'the bucket region' },
      { flags: '--name <name>', description: 'the name of the remote in the new store (default: origin)' },
      { flags: '--all', description: 'download every blob now' },
      { flags: '--trust-key <file>', option: 'trustKeys', description: "trust this public key (a .pub file, trusted under its file name) in the new store before anything is pulled: a remote's keys are never trusted (repeatable)", repeatable: true },
    ],
    examples: ['mreg clone s3://ml-models/registry ./serving', 'mreg clone s3://ml-models/registry ./serving --trust-key release-bot.pub', 'mreg clone /mnt/team/models', 'mreg clone s3://models --endpoint http://127.0.0.1:9000 --json'],
    load: () => import('./clone.js'),
  },
  {
    name: 'gc',
    args: '',
    summary: 'prune versions outside the retention policy and delete unreferenced blobs and old temp files',
    options: [
      { flags: '--dry-run', description: 'show exactly what would be pruned and deleted; delete nothing' },
      { flags: '--keep-last <n>', description: 'this run only: keep the last N versions of each model (and protected ones) instead of the policy' },
    ],
    examples: ['mreg gc --dry-run', 'mreg gc --keep-last 5 --json'],
    load: () => import('./gc.js'),
  },
  {
    name: 'scan',
    args: '<targets...>',
    summary: 'find code that loading an artifact would run (pickle, PyTorch, joblib, NumPy) without running it',
    options: [],
    examples: ['mreg scan model.pkl checkpoints/', 'mreg scan fraud@1.3.0 --json'],
    load: () => import('./scan.js'),
  },
  {
    name: 'key generate',
    group: 'signing keys: generate, trust, untrust',
    args: '<name>',
    summary: 'an Ed25519 key pair for signing versions: <name>.key (keep it secret) and <name>.pub',
    options: [{ flags: '--out <dir>', description: 'where to write the key files (default: $MREG_KEYS_DIR, else ~/.config/mreg/keys, mode 0700: never a work tree)' }],
    examples: ['mreg key generate alice', 'MREG_KEYS_DIR=/secure/keys mreg key generate release-bot --json'],
    load: async () => ({ run: (await import('./key.js')).generate }),
  },
  {
    name: 'key trust',
    args: '<name> <public-key-file>',
    summary: "trust a public key (a .pub file) under a name: its signatures count for the stages' signature rules",
    options: [],
    examples: ['mreg key trust alice keys/alice.pub', 'mreg key trust release-bot release-bot.pub --json'],
    load: async () => ({ run: (await import('./key.js')).trust }),
  },
  {
    name: 'key untrust',
    args: '<name>',
    summary: 'stop trusting a key (refused while a stage needs more signatures than the keys left)',
    options: [],
    examples: ['mreg key untrust alice'],
    load: async () => ({ run: (await import('./key.js')).untrust }),
  },
  {
    name: 'sign',
    args: '<ref>',
    summary: "sign a version's manifest digest with a private key (stored beside it; the manifest is untouched)",
    options: [
      { flags: '--key <file>', option: 'keyFile', description: "the private key file from mreg key generate (without it: the key's text from MREG_SIGNING_KEY, for CI)" },
      { flags: '--actor <name>', description: 'who signs (recorded in the history)' },
    ],
    examples: ['mreg sign fraud@1.3.0 --key alice.key'],
    load: () => import('./sign.js'),
  },
  {
    name: 'hook install',
    group: "the git pre-commit hook that runs 'mreg verify --staged': install, uninstall",
    args: '',
    summary: "install the pre-commit hook that runs 'mreg verify --staged' (a hook already there runs first)",
    options: [{ flags: '--force', description: 'replace an existing pre-commit hook instead of chaining it' }],
    examples: ['mreg hook install', 'mreg hook install --force --json'],
    load: async () => ({ run: (await import('./hook.js')).install }),
  },
  {
    name: 'hook uninstall',
    args: '',
    summary: 'remove the pre-commit hook mreg installed (and put back the one it chained)',
    options: [],
    examples: ['mreg hook uninstall'],
    load: async () => ({ run: (await import('./hook.js')).uninstall }),
  },
];
