// The allow- and deny-lists of Python globals a pickle may import, and the verdict on one global: whether
// importing and calling it at load time could run code, needs a person's review, or only rebuilds data.

/** safe: only rebuilds data; warning: review it; unsafe: loading could run code. */
export type ScanStatus = 'safe' | 'warning' | 'unsafe';

// A global is judged by its full dotted path; the first matching rule wins, in this order:
// unsafe module, unsafe global, attribute walk (through module aliases), caution, allow-list, a dangerous
// function name in any module, otherwise warning.
//
// Sources of the deny lists, besides the CPython and library sources each entry names: picklescan's
// `_unsafe_globals` (github.com/mmaitre314/picklescan, src/picklescan/scanner.py) and modelscan's
// `unsafe_globals` settings, CRITICAL and HIGH (github.com/protectai/modelscan, modelscan/settings.py and
// docs/severity_levels.md). Every entry of both is covered here, by module, by exact global or by name.
// All tables are keyed by text from hostile files, so they are read with Object.hasOwn (a global named
// "constructor" or "__proto__" must not find Object.prototype's members).

/** Modules whose every member is treated as code execution (the module and all its submodules). */
export const UNSAFE_MODULES: Readonly<Record<string, string>> = {
  os: 'runs shell commands and changes files (os.system, os.popen, os.exec*)',
  posix: 'the POSIX implementation of os (pickle names os.system "posix.system" on Linux and macOS)',
  nt: 'the Windows implementation of os',
  subprocess: 'starts processes',
  commands: 'the Python 2 name of subprocess',
  _posixsubprocess: 'starts processes',
  _winapi: 'Windows process and handle calls',
  pty: 'spawns processes on a terminal',
  sys: 'reaches interpreter internals (sys.modules, tracing hooks, exit)',
  runpy: 'runs modules and scripts',
  importlib: 'imports arbitrary modules',
  imp: 'imports arbitrary modules',
  zipimport: 'imports code from archives',
  pkgutil: 'pkgutil.resolve_name imports and walks any dotted name',
  code: 'an interactive interpreter: runs source text',
  codeop: 'compiles source text',
  pdb: 'a debugger that runs source text',
  bdb: 'debugger machinery that runs source text',
  trace: 'runs code under tracing',
  timeit: 'timeit.timeit runs source text',
  profile: 'profile.run runs source text',
  cProfile: 'cProfile.run runs source text',
  doctest: 'runs code found in docstrings',
  pydoc: 'its pagers run shell commands',
  idlelib: 'IDE internals that run code',
  pickle: 'pickle.loads runs a nested pickle the scanner does not see',
  _pickle: 'loads a nested pickle the scanner does not see',
  cPickle: 'Python 2 pickle: loads a nested pickle',
  dill: 'dill rebuilds functions and code objects',
  cloudpickle: 'cloudpickle rebuilds functions and code objects',
  marshal: 'marshal.loads rebuilds code objects',
  shelve: 'opens pickle-backed databases',
  ctypes: 'calls native code',
  _ctypes: 'calls native code',
  cffi: 'calls native code',
  multiprocessing: 'starts processes',
  asyncio: 'asyncio.create_subprocess_shell and friends start processes',
  socket: 'opens network connections',
  _socket: 'opens network connections',
  ssl: 'opens network connections',
  socketserver: 'listens on the network',
  SocketServer: 'listens on the network',
  http: 'opens network connections',
  httplib: 'opens network connections',
  urllib: 'fetches URLs',
  urllib2: 'fetches URLs',
  urllib3: 'fetches URLs',
  requests: 'fetches URLs',
  httpx: 'fetches URLs',
  aiohttp: 'fetches URLs',
  ftplib: 'opens network connections',
  telnetlib: 'opens network connections',
  smtplib: 'sends mail',
  poplib: 'opens network connections',
  imaplib: 'opens network connections',
  nntplib: 'opens network connections',
  xmlrpc: 'calls remote procedures',
  xmlrpclib: 'calls remote procedures',
  webbrowser: 'opens a browser on any URL',
  antigravity: 'opens a browser when imported',
  shutil: 'copies, moves and deletes whole trees (shutil.rmtree)',
  setuptools: 'builds and installs packages',
  distutils: 'builds packages and runs commands (distutils.spawn)',
  pip: 'installs packages',
  venv: 'creates environments and runs commands',
  ensurepip: 'installs packages',
  'numpy.f2py': 'compiles and imports code',
  'numpy.distutils': 'runs shell commands (exec_command)',
  'numpy.testing': 'numpy.testing._private.utils.runstring runs source text',
  'torch.hub': 'downloads and runs code from the internet',
  'torch.utils.cpp_extension': 'compiles and loads native code',
  'torch.package': 'torch.package importers run the code packaged with the model',
  IPython: 'runs shell and Python commands',
  // logging.config.dictConfig/fileConfig instantiate any class named in the config ("()" keys, ext:// imports); listen runs a config server.
  'logging.config': 'dictConfig and fileConfig import and call whatever the configuration names',
  popen2: 'Python 2: starts processes',
  mailcap: 'mailcap.findmatch builds shell commands from file contents',
  'concurrent.futures.process': 'starts worker processes',
  'distutils.file_util': 'writes arbitrary files (picklescan)',
  'requests.api': 'fetches URLs (picklescan, modelscan HIGH)',
  'aiohttp.client': 'fetches URLs (modelscan HIGH)',
};

/** Single globals treated as code execution, in modules that are otherwise ordinary. */
export const UNSAFE_GLOBALS: Readonly<Record<string, string>> = {
  'builtins.eval': 'evaluates source text',
  'builtins.exec': 'runs source text',
  'builtins.compile': 'compiles source text into code objects',
  'builtins.getattr': 'reaches any attribute, e.g. a module\'s system function',
  'builtins.setattr': 'rewrites attributes of modules and classes',
  'builtins.delattr': 'removes attributes of modules and classes',
  'builtins.__import__': 'imports any module',
  'builtins.open': 'opens files for reading or writing',
  'builtins.breakpoint': 'starts a debugger',
  'builtins.input': 'reads from the terminal',
  'builtins.globals': 'exposes module globals',
  'builtins.locals': 'exposes local variables',
  'builtins.vars': 'exposes an object\'s namespace',
  'builtins.execfile': 'Python 2: runs a file',
  'builtins.reload': 'Python 2: re-runs a module',
  'builtins.apply': 'Python 2: calls any function',
  'builtins.file': 'Python 2: opens files',
  'types.CodeType': 'builds code objects from bytes',
  'types.FunctionType': 'builds functions from code objects',
  'types.LambdaType': 'builds functions from code objects',
  'operator.attrgetter': 'reaches any attribute of the objects it is applied to (a getattr in disguise)',
  'operator.methodcaller': 'calls any method of the objects it is applied to',
  '_operator.attrgetter': 'reaches any attribute of the objects it is applied to (a getattr in disguise)',
  '_operator.methodcaller': 'calls any method of the objects it is applied to',
  'io.open': 'opens files',
  '_io.open': 'opens files',
  'io.FileIO': 'opens files',
  '_io.FileIO': 'opens files',
  'io.open_code': 'opens files',
  'codecs.open': 'opens files',
  'torch.load': 'loads a nested pickle the scanner does not see',
  'torch.serialization.load': 'loads a nested pickle the scanner does not see',
  'torch.jit.load': 'loads a TorchScript program',
  'numpy.load': 'may load a nested pickle (allow_pickle)',
  'numpy.lib.npyio.load': 'may load a nested pickle (allow_pickle)',
  'pandas.read_pickle': 'loads a nested pickle the scanner does not see',
  'pandas.io.pickle.read_pickle': 'loads a nested pickle the scanner does not see',
  'joblib.load': 'loads a nested pickle the scanner does not see',
  // Nested loaders under their defining modules' names (pickle names a function after its __module__).
  'joblib.numpy_pickle.load': 'loads a nested pickle the scanner does not see',
  'joblib.numpy_pickle.NumpyUnpickler': 'an unpickler: loads a nested pickle the scanner does not see',
  'numpy.lib._npyio_impl.load': 'may load a nested pickle (allow_pickle)',
  'numpy.lib.format.read_array': 'may load a nested pickle (allow_pickle)',
  'numpy.ctypeslib.load_library': 'loads native code',
  'torch.serialization._load': 'loads a nested pickle the scanner does not see',
  'torch._weights_only_unpickler.load': 'loads a nested pickle the scanner does not see',
  // Helpers that run a command line: the same as os.system.
  'platform._syscmd_file': 'runs the file command through a shell helper',
  'platform._syscmd_ver': 'runs the ver command',
  'platform.popen': 'Python 2/3.7: os.popen',
  'uuid._popen': 'runs a command (older Pythons)',
  'uuid._get_command_stdout': 'runs a command',
  'ctypes.util._findSoname_ldconfig': 'runs ldconfig',
  // picklescan's list, entries not already covered by a whole module.
  'operator.itemgetter': 'picks items from the objects it is applied to (picklescan lists it with attrgetter)',
  '_operator.itemgetter': 'picks items from the objects it is applied to (picklescan lists it with attrgetter)',
  'functools.partial': 'binds arguments to another callable: functools.partial(os.system, "...") (picklescan)',
  '_functools.partial': 'binds arguments to another callable (picklescan)',
  'code.InteractiveInterpreter.runcode': 'runs code objects (picklescan)',
  'lib2to3.pgen2.grammar.Grammar.loads': 'loads a nested pickle (picklescan)',
  'lib2to3.pgen2.pgen.ParserGenerator.make_label': 'evaluates grammar text (picklescan)',
  'torch._dynamo.guards.GuardBuilder.get': 'evaluates source text (picklescan)',
  'torch._inductor.codecache.compile_file': 'runs a compiler command line (picklescan)',
  'torch.fx.experimental.symbolic_shapes.ShapeEnv.evaluate_guards_expression': 'evaluates source text (picklescan)',
  'torch.jit.unsupported_tensor_ops.execWrapper': 'runs source text (picklescan)',
  'torch.utils._config_module.ConfigModule.load_config': 'loads a nested pickle (picklescan)',
  'torch.utils.bottleneck.__main__.run_cprofile': 'runs source text under a profiler (picklescan)',
  'torch.utils.bottleneck.__main__.run_autograd_prof': 'runs source text under a profiler (picklescan)',
  'torch.utils.collect_env.run': 'runs a command (picklescan)',
  'torch.utils.data.datapipes.utils.decoder.basichandlers': 'unpickles data it is given (picklescan)',
  // Text evaluated as code.
  'sympy.sympify': 'evaluates expression text with eval',
  'sympy.core.sympify.sympify': 'evaluates expression text with eval',
  'sympy.lambdify': 'generates and runs source text',
  'sympy.utilities.lambdify.lambdify': 'generates and runs source text',
  'sympy.parsing.sympy_parser.parse_expr': 'evaluates expression text with eval',
  'numexpr.evaluate': 'evaluates expression text',
};

/**
 * Function names that run commands or code, or load a nested pickle, in whichever module defines them: unsafe
 * wherever an attribute walk (a dotted name) reaches them, and as any global not on the allow-list.
 */
const UNSAFE_ATTRIBUTES = new Set([
  'system', 'popen', 'popen2', 'popen3', 'popen4', 'spawn', 'spawnl', 'spawnle', 'spawnlp', 'spawnlpe', 'spawnv', 'spawnve',
  'spawnvp', 'spawnvpe', 'posix_spawn', 'posix_spawnp', 'execl', 'execle', 'execlp', 'execlpe', 'execv', 'execve', 'execvp',
  'execvpe', 'fork_exec', 'getoutput', 'getstatusoutput', 'eval', 'exec', 'compile', 'getattr', 'setattr', 'delattr',
  'globals', 'locals', 'vars', 'open', 'load', 'loads', '_load', 'read_pickle', 'Unpickler', 'Popen', 'call', 'run',
  'check_call', 'check_output', 'import_module', '__import__', 'attrgetter', 'methodcaller', 'breakpoint', 'runcode',
  'runsource', 'runctx', 'run_path', 'run_module', 'dictConfig', 'fileConfig',
]);

/** Globals that run nothing by themselves but compose or defer calls; each gets a warning and why. */
export const CAUTION_GLOBALS: Readonly<Record<string, string>> = {
  'torch.storage._load_from_bytes': 'calls torch.load on bytes inside the pickle, which are not scanned (how plain pickle stores a tensor storage)',
  'functools.partialmethod': 'binds arguments to another callable',
  'functools.reduce': 'calls another callable repeatedly',
  '_functools.reduce': 'calls another callable repeatedly',
  'builtins.help': 'may start a pager process',
  'builtins.type': 'creates classes at load time',
  'builtins.map': 'applies another callable lazily',
  'builtins.filter': 'applies another callable lazily',
  'collections.namedtuple': 'generates and runs class source (with validated field names)',
  'tempfile.mkstemp': 'creates files',
  'tempfile.mkdtemp': 'creates directories',
  'tempfile.NamedTemporaryFile': 'creates files',
  'tempfile.TemporaryFile': 'creates files',
  'tempfile.TemporaryDirectory': 'creates directories',
};

/**
 * Globals that ordinary ML checkpoints import and that only rebuild data. Left out on purpose:
 * scikit-learn (its estimators are plain classes, but allowing the package by prefix would also
 * admit its helpers, so sklearn models come out as 'warning' for a person to review), and a
 * numpy.*.multiarray.* wildcard (it would admit whatever multiarray imports, and a BUILD on a module
 * object rewrites that module's globals): only the names numpy's own pickles use are listed.
 */
export const SAFE_GLOBALS: readonly string[] = [
  'collections.OrderedDict',
  'collections.defaultdict',
  'collections.Counter',
  'collections.deque',
  ...[
    'set', 'frozenset', 'slice', 'complex', 'bytearray', 'bytes', 'range', 'object', 'int', 'float', 'bool', 'str', 'list',
    'dict', 'tuple', 'Ellipsis', 'NotImplemented',
  ].map((n) => `builtins.${n}`),
  ...[
    'set', 'frozenset', 'slice', 'complex', 'bytearray', 'object', 'int', 'long', 'float', 'bool', 'str', 'unicode', 'list',
    'dict', 'tuple', 'xrange',
  ].map((n) => `__builtin__.${n}`),
  'copyreg._reconstructor',
  'copy_reg._reconstructor',
  'copyreg.__newobj__',
  'copyreg.__newobj_ex__',
  '_codecs.encode',
  ...[
    '_rebuild_tensor', '_rebuild_tensor_v2', '_rebuild_tensor_v3', '_rebuild_parameter', '_rebuild_parameter_with_state',
    '_rebuild_sparse_tensor', '_rebuild_sparse_csr_tensor', '_rebuild_qtensor', '_rebuild_device_tensor_from_numpy',
    '_rebuild_meta_tensor_no_storage', '_rebuild_wrapper_subclass', '_rebuild_nested_tensor',
  ].map((n) => `torch._utils.${n}`),
  'torch._tensor._rebuild_from_type',
  'torch._tensor._rebuild_from_type_v2',
  'torch.Tensor',
  'torch.nn.parameter.Parameter',
  'torch.Size',
  'torch.device',
  'torch.serialization._get_layout',
  'torch.storage.UntypedStorage',
  'torch.storage.TypedStorage',
  ...[
    'float32', 'float', 'float64', 'double', 'float16', 'half', 'bfloat16', 'complex32', 'complex64', 'cfloat', 'complex128',
    'cdouble', 'uint8', 'uint16', 'uint32', 'uint64', 'int8', 'int16', 'short', 'int32', 'int', 'int64', 'long', 'bool',
    'qint8', 'quint8', 'qint32', 'quint4x2', 'float8_e4m3fn', 'float8_e5m2', 'strided', 'sparse_coo', 'sparse_csr',
    'contiguous_format', 'channels_last', 'preserve_format', 'per_tensor_affine', 'per_channel_affine',
  ].map((n) => `torch.${n}`),
  ...['numpy.core', 'numpy._core'].flatMap((m) => [`${m}.multiarray._reconstruct`, `${m}.multiarray.scalar`, `${m}.numeric._frombuffer`]),
  'numpy.dtype',
  'numpy.ndarray',
  'numpy.ma.core._mareconstruct',
  'numpy.ma.core.MaskedArray',
  'numpy.random._pickle.__randomstate_ctor',
  'numpy.random._pickle.__generator_ctor',
  'numpy.random._pickle.__bit_generator_ctor',
  ...[
    'bool_', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float16', 'float32', 'float64',
    'longdouble', 'complex64', 'complex128', 'clongdouble', 'str_', 'bytes_', 'void', 'datetime64', 'timedelta64', 'intc',
    'uintc', 'intp', 'uintp', 'object_',
  ].map((n) => `numpy.${n}`),
  'joblib.numpy_pickle.NumpyArrayWrapper',
];

/** Families allowed by shape: a class-like name (no dots) in a known data-only module. */
export const SAFE_GLOBAL_PATTERNS: readonly { module: RegExp; name: RegExp; description: string }[] = [
  { module: /^torch$/, name: /^[A-Za-z0-9]*Storage$/, description: 'torch.*Storage tensor storage classes' },
  { module: /^torch\.nn\.modules\.[a-z0-9_]+$/, name: /^[A-Z][A-Za-z0-9]*$/, description: 'torch.nn layer classes (torch.nn.modules.<file>.<Class>)' },
  { module: /^numpy\.dtypes$/, name: /^[A-Z][A-Za-z0-9]*DType$/, description: 'numpy.dtypes.*DType classes' },
];

/** What Python 3's unpickler maps Python 2 names to (for protocols 0–2, see _compat_pickle). */
const PY2_MODULES: Readonly<Record<string, string>> = {
  __builtin__: 'builtins', exceptions: 'builtins', copy_reg: 'copyreg', cPickle: 'pickle', commands: 'subprocess',
  urllib2: 'urllib.request', urlparse: 'urllib.parse', httplib: 'http.client', xmlrpclib: 'xmlrpc.client',
  SocketServer: 'socketserver', thread: '_thread', cStringIO: 'io', StringIO: 'io', Queue: 'queue',
  UserDict: 'collections', UserList: 'collections', UserString: 'collections', BaseHTTPServer: 'http.server',
  SimpleHTTPServer: 'http.server', CGIHTTPServer: 'http.server', Cookie: 'http.cookies', cookielib: 'http.cookiejar',
  SimpleXMLRPCServer: 'xmlrpc.server', DocXMLRPCServer: 'xmlrpc.server', robotparser: 'urllib.robotparser',
  _winreg: 'winreg', future_builtins: 'builtins',
};
const PY2_NAMES: Readonly<Record<string, string>> = {
  '__builtin__.xrange': 'builtins.range', '__builtin__.reduce': 'functools.reduce', '__builtin__.intern': 'sys.intern',
  '__builtin__.unichr': 'builtins.chr', '__builtin__.unicode': 'builtins.str', '__builtin__.long': 'builtins.int',
  '__builtin__.basestring': 'builtins.str', '__builtin__.raw_input': 'builtins.input', 'itertools.izip': 'builtins.zip',
  'itertools.imap': 'builtins.map', 'itertools.ifilter': 'builtins.filter',
};

export interface GlobalVerdict {
  verdict: ScanStatus;
  reason: string;
}

const RANK: Record<ScanStatus, number> = { safe: 0, warning: 1, unsafe: 2 };
const SAFE_SET = new Set(SAFE_GLOBALS);

function prefixes(dotted: string): string[] {
  const parts = dotted.split('.');
  return parts.map((_, i) => parts.slice(0, i + 1).join('.'));
}

/** A table entry for a key from a hostile file: own properties only ("constructor" finds nothing). */
function entry(table: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * The unsafe modules other modules commonly keep as attributes: `import os` makes `shutil.os`, `import os as
 * _os` makes `random._os` (and tempfile._os, subprocess._os...). Generic words among the unsafe modules (code,
 * trace, profile, http...) are left out: as attribute names they are mostly something else.
 */
const ALIASED_MODULES = new Set([
  'os', 'posix', 'nt', 'sys', 'subprocess', '_posixsubprocess', 'socket', 'pty', 'runpy', 'importlib', 'ctypes',
  'pickle', 'cPickle', 'marshal', 'shutil', 'multiprocessing', 'asyncio', 'webbrowser', 'pdb', 'commands', 'dill',
  'cloudpickle', 'urllib', 'requests', 'pydoc',
]);

/**
 * An attribute step that is one of those modules under its own name or with leading underscores: taken to
 * be that module, so `random` + `_os.posix_spawnp` is os.posix_spawnp.
 */
function aliasedModule(step: string): string | undefined {
  const bare = step.replace(/^_+/, '');
  if (ALIASED_MODULES.has(step)) return step;
  if (ALIASED_MODULES.has(bare)) return bare;
  return undefined;
}

function judge(module: string, name: string): GlobalVerdict {
  const full = `${module}.${name}`;
  for (const p of prefixes(module)) {
    const why = entry(UNSAFE_MODULES, p);
    if (why !== undefined) return { verdict: 'unsafe', reason: `unsafe module ${p} (${why})` };
  }
  // (A module path is imported, so its steps are real submodules, never aliases: GLOBAL "random._os" fails.)
  const exact = entry(UNSAFE_GLOBALS, full);
  if (exact !== undefined) return { verdict: 'unsafe', reason: exact };
  if (name.includes('.')) {
    // From protocol 4, find_class follows a dotted name attribute by attribute, so an innocent
    // module can lead anywhere ("collections" + "abc.sys.modules"): judge every step.
    const steps = prefixes(full).slice(prefixes(module).length);
    for (const [i, path] of steps.entries()) {
      const step = path.slice(path.lastIndexOf('.') + 1);
      const hit = entry(UNSAFE_GLOBALS, path);
      if (hit !== undefined) return { verdict: 'unsafe', reason: `its attribute walk reaches ${path}, which ${hit}` };
      const mod = entry(UNSAFE_MODULES, path);
      if (mod !== undefined) return { verdict: 'unsafe', reason: `its attribute walk reaches unsafe module ${path} (${mod})` };
      if (/^__.*__$/.test(step)) return { verdict: 'unsafe', reason: `its attribute walk goes through ${step}, the classic route to builtins and os` };
      const alias = aliasedModule(step);
      if (alias !== undefined) {
        // Classify by what is finally reached: the rest of the walk, from the aliased module.
        const rest = name.split('.').slice(i + 1).join('.');
        const reached = rest === '' ? alias : `${alias}.${rest}`;
        return { verdict: 'unsafe', reason: `its attribute walk reaches ${reached} through ${path} (an alias of unsafe module ${alias}: ${entry(UNSAFE_MODULES, alias)})` };
      }
      if (UNSAFE_ATTRIBUTES.has(step)) return { verdict: 'unsafe', reason: `its attribute walk reaches ${step}` };
    }
    return { verdict: 'warning', reason: 'a dotted name walks attributes at load time, and this walk is not on the allow-list' };
  }
  const alias = aliasedModule(name);
  if (alias !== undefined) return { verdict: 'unsafe', reason: `${full} is an alias of unsafe module ${alias} (${entry(UNSAFE_MODULES, alias)})` };
  const caution = entry(CAUTION_GLOBALS, full);
  if (caution !== undefined) return { verdict: 'warning', reason: caution };
  if (SAFE_SET.has(full) || SAFE_GLOBAL_PATTERNS.some((p) => p.module.test(module) && p.name.test(name))) {
    return { verdict: 'safe', reason: 'on the allow-list' };
  }
  if (UNSAFE_ATTRIBUTES.has(name)) {
    return { verdict: 'unsafe', reason: `a function named ${name}: in the modules that define one, it runs commands or code or loads a nested pickle` };
  }
  if (module === '__main__') return { verdict: 'warning', reason: 'defined by the script that saved the file, which loading needs and runs' };
  return { verdict: 'warning', reason: 'not on the allow-list; importing it runs its module\'s code, and the scanner cannot vouch for it' };
}

/** Judges one global as loading would resolve it, including Python 2 names' Python 3 mapping. */
export function classifyGlobal(module: string, name: string): GlobalVerdict {
  const verdicts = [judge(module, name)];
  const mappedName = entry(PY2_NAMES, `${module}.${name}`);
  const mappedModule = entry(PY2_MODULES, module);
  if (mappedName !== undefined) {
    const dot = mappedName.lastIndexOf('.');
    verdicts.push(judge(mappedName.slice(0, dot), mappedName.slice(dot + 1)));
  } else if (mappedModule !== undefined) {
    verdicts.push(judge(mappedModule, name));
  }
  return verdicts.reduce((a, b) => (RANK[b.verdict] > RANK[a.verdict] ? b : a));
}
