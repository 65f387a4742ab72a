// Decides whether loading a model file would run code, without loading it: picks the reader by
// file type (pickle, PyTorch zip or legacy stream, .npy/.npz, joblib) and judges each imported global.

import { open } from 'node:fs/promises';
import { readSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { gunzipSync, inflateSync } from 'node:zlib';
import { MregError, toMregError } from '../../errors.js';
import { bytesSource, disassemblePickle, HIGHEST_PROTOCOL, type ByteSource, type PickleDisassembly, type PickleIssue } from './pickle.js';
import { isEscapingName, openZipMember, readZipDirectory, readZipMemberPrefix, type ZipEntry } from './zip.js';

export type Severity = 'unsafe' | 'warning' | 'info';
export type ScanStatus = 'safe' | 'warning' | 'unsafe';

/** What the scan noticed about a file (a security note, not an interface finding). */
export interface ScanFinding {
  severity: Severity;
  message: string;
}

export interface FileScan {
  path: string;
  /** unsafe: loading could run code (or the file cannot be vouched for); warning: review the globals. */
  status: ScanStatus;
  /** Every global the file's pickles import, as "module.name", sorted and unique. */
  globals: string[];
  findings: ScanFinding[];
}

// ---------------------------------------------------------------------------------------------
// Policy. A global is judged by its full dotted path; the first matching rule wins, in this order:
// unsafe module, unsafe global, attribute walk, caution, allow-list, otherwise warning.

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
  IPython: 'runs shell and Python commands',
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
};

/** Names that are unsafe wherever an attribute walk (a dotted name) reaches them. */
const UNSAFE_ATTRIBUTES = new Set([
  'system', 'popen', 'spawn', 'spawnl', 'spawnv', 'execl', 'execv', 'execve', 'execvp', 'eval', 'exec', 'compile',
  'getattr', 'setattr', 'delattr', 'globals', 'locals', 'vars', 'open', 'load', 'loads', 'Popen', 'call', 'run',
  'check_call', 'check_output', 'import_module', 'attrgetter', 'methodcaller', 'breakpoint',
]);

/** Globals that run nothing by themselves but compose or defer calls; each gets a warning and why. */
export const CAUTION_GLOBALS: Readonly<Record<string, string>> = {
  'torch.storage._load_from_bytes': 'calls torch.load on bytes inside the pickle, which are not scanned (how plain pickle stores a tensor storage)',
  'functools.partial': 'binds arguments to another callable; harmless unless that callable is not',
  'functools.partialmethod': 'binds arguments to another callable',
  'functools.reduce': 'calls another callable repeatedly',
  '_functools.partial': 'binds arguments to another callable',
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

function judge(module: string, name: string): GlobalVerdict {
  const full = `${module}.${name}`;
  for (const p of prefixes(module)) {
    const why = UNSAFE_MODULES[p];
    if (why !== undefined) return { verdict: 'unsafe', reason: `unsafe module ${p} (${why})` };
  }
  const exact = UNSAFE_GLOBALS[full];
  if (exact !== undefined) return { verdict: 'unsafe', reason: exact };
  if (name.includes('.')) {
    // From protocol 4, find_class follows a dotted name attribute by attribute, so an innocent
    // module can lead anywhere ("collections" + "abc.sys.modules"): judge every step.
    for (const path of prefixes(full).slice(prefixes(module).length)) {
      const step = path.slice(path.lastIndexOf('.') + 1);
      const hit = UNSAFE_GLOBALS[path];
      if (hit !== undefined) return { verdict: 'unsafe', reason: `its attribute walk reaches ${path}, which ${hit}` };
      const mod = UNSAFE_MODULES[path];
      if (mod !== undefined) return { verdict: 'unsafe', reason: `its attribute walk reaches unsafe module ${path} (${mod})` };
      if (/^__.*__$/.test(step)) return { verdict: 'unsafe', reason: `its attribute walk goes through ${step}, the classic route to builtins and os` };
      if (UNSAFE_MODULES[step] !== undefined || UNSAFE_ATTRIBUTES.has(step)) {
        return { verdict: 'unsafe', reason: `its attribute walk reaches ${step}` };
      }
    }
    return { verdict: 'warning', reason: 'a dotted name walks attributes at load time, and this walk is not on the allow-list' };
  }
  const caution = CAUTION_GLOBALS[full];
  if (caution !== undefined) return { verdict: 'warning', reason: caution };
  if (SAFE_SET.has(full) || SAFE_GLOBAL_PATTERNS.some((p) => p.module.test(module) && p.name.test(name))) {
    return { verdict: 'safe', reason: 'on the allow-list' };
  }
  if (module === '__main__') return { verdict: 'warning', reason: 'defined by the script that saved the file, which loading needs and runs' };
  return { verdict: 'warning', reason: 'not on the allow-list; importing it runs its module\'s code, and the scanner cannot vouch for it' };
}

/** Judges one global as loading would resolve it, including Python 2 names' Python 3 mapping. */
export function classifyGlobal(module: string, name: string): GlobalVerdict {
  const verdicts = [judge(module, name)];
  const mappedName = PY2_NAMES[`${module}.${name}`];
  const mappedModule = PY2_MODULES[module];
  if (mappedName !== undefined) {
    const dot = mappedName.lastIndexOf('.');
    verdicts.push(judge(mappedName.slice(0, dot), mappedName.slice(dot + 1)));
  } else if (mappedModule !== undefined) {
    verdicts.push(judge(mappedModule, name));
  }
  return verdicts.reduce((a, b) => (RANK[b.verdict] > RANK[a.verdict] ? b : a));
}

// ---------------------------------------------------------------------------------------------
// File types.

export const PICKLE_EXTENSIONS: readonly string[] = ['.pkl', '.pickle', '.joblib', '.dill'];
/** torch.save's extensions: a ZIP archive (since torch 1.6) or a legacy stream of pickles. */
export const TORCH_EXTENSIONS: readonly string[] = ['.pt', '.pth', '.bin', '.ckpt'];
export const NUMPY_EXTENSIONS: readonly string[] = ['.npy', '.npz'];

export const SCAN_LIMITS = {
  /** Largest compressed pickle (joblib compress=…) inflated in memory. */
  maxDecompressed: 1024 * 1024 * 1024,
  /** Largest .npy header read; numpy itself refuses headers past 10,000 bytes without allow_pickle. */
  maxNpyHeader: 1024 * 1024,
  /** Most pickles followed back to back in one .pkl file. */
  maxPicklesPerFile: 1000,
  /** Pickles a legacy torch.save file holds: magic number, protocol version, sys info, object, storage keys. */
  torchLegacyPickles: 5,
};

const PK_LOCAL = [0x50, 0x4b, 0x03, 0x04];
const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

function startsWith(b: Uint8Array, magic: readonly number[], at = 0): boolean {
  return b.length >= at + magic.length && magic.every((m, i) => b[at + i] === m);
}

function head(src: ByteSource, n: number): Uint8Array {
  return src.read(0, Math.min(n, src.size));
}

/** Names and messages come from hostile files: keep control characters out of terminals. */
function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Accumulates one file's verdicts; `where` names the archive member, '' for the file itself. */
class Report {
  readonly findings: ScanFinding[] = [];
  private readonly seenFindings = new Set<string>();
  readonly globals = new Set<string>();

  add(severity: Severity, where: string, message: string): void {
    const text = printable(where === '' ? message : `${where}: ${message}`);
    if (this.seenFindings.has(`${severity} ${text}`)) return;
    this.seenFindings.add(`${severity} ${text}`);
    this.findings.push({ severity, message: text });
  }

  issue(where: string, issue: PickleIssue, severity: Severity = issue.severity, lead = ''): void {
    this.add(severity, where, lead + issue.message);
  }

  global(where: string, module: string, name: string): void {
    const key = `${module}.${name}`;
    if (this.globals.has(key)) return;
    this.globals.add(key);
    const { verdict, reason } = classifyGlobal(module, name);
    if (verdict !== 'safe') this.add(verdict, where, `imports ${key}: ${reason}`);
  }

  result(path: string): FileScan {
    const worst = this.findings.some((f) => f.severity === 'unsafe') ? 'unsafe' : this.findings.some((f) => f.severity === 'warning') ? 'warning' : 'safe';
    return { path, status: worst, globals: [...this.globals].sort(), findings: this.findings };
  }
}

function record(report: Report, where: string, d: PickleDisassembly): void {
  for (const g of d.globals) report.global(where, g.module, g.name);
  for (const i of d.issues) report.issue(where, i);
}

/**
 * Scans the pickle at `offset`. A stream that builds joblib NumpyArrayWrappers means two different
 * things to pickle.load (which reads on after the wrapper as opcodes) and to joblib.load (which
 * first reads raw array bytes), so both readings are scanned. Returns where the stream ended for
 * the loader that reads it cleanly, or null when neither does.
 */
function scanOnePickle(src: ByteSource, offset: number, where: string, report: Report, stopSeverity: Severity, preferJoblib: boolean): number | null {
  const plain = disassemblePickle(src, { offset });
  if (plain.joblibArrays === 0 && !preferJoblib) {
    record(report, where, plain);
    if (plain.malformed) report.issue(where, plain.malformed, stopSeverity, stopSeverity === 'warning' ? 'trailing data is not a complete pickle: ' : '');
    return plain.end;
  }
  const jl = disassemblePickle(src, { offset, joblib: true });
  // For a .joblib file that joblib.load reads cleanly, a plain reading that breaks is just array
  // bytes taken for opcodes (old joblib writes them without a padding byte to stop on at once).
  const jlClean = !jl.malformed && !jl.incomplete;
  if (!(preferJoblib && plain.malformed && jlClean)) record(report, where, plain);
  record(report, where, jl);
  if (jl.incomplete) report.issue(where, jl.incomplete, 'unsafe'); // unread bytes would still be loaded
  const plainStop = plain.malformed;
  const jlStop = jl.malformed;
  if (plainStop && jlStop) {
    report.issue(where, preferJoblib ? jlStop : plainStop, stopSeverity);
  } else if (plainStop) {
    report.add(
      'info',
      where,
      `read by plain pickle.load, the stream breaks at offset ${plainStop.offset} ` +
        '(expected: joblib stores array bytes inline, which only joblib.load reads)',
    );
  } else if (jlStop) {
    report.add(preferJoblib ? stopSeverity : 'warning', where, `pickle.load reads this stream, but as joblib.load reads it: ${jlStop.message}`);
  }
  return jl.end ?? plain.end;
}

type SequenceMode =
  | 'one' // the loader reads one pickle; trailing bytes are never read
  | 'all' // a .pkl may hold several pickles back to back (pickle.load in a loop)
  | 'torch-legacy'; // torch.save before 1.6: five pickles, then raw storage bytes

function scanPickleStream(src: ByteSource, start: number, where: string, mode: SequenceMode, report: Report, preferJoblib = false): void {
  const max = mode === 'one' ? 1 : mode === 'torch-legacy' ? SCAN_LIMITS.torchLegacyPickles : SCAN_LIMITS.maxPicklesPerFile;
  let offset = start;
  for (let n = 0; n < max; n++) {
    // Past the first pickle of a .pkl, a broken stream is most likely unrelated trailing data.
    const stopSeverity: Severity = mode === 'all' && n > 0 ? 'warning' : 'unsafe';
    const end = scanOnePickle(src, offset, where, report, stopSeverity, preferJoblib);
    if (end === null || end >= src.size) return;
    offset = end;
  }
  // Bytes remain after the last pickle read (after a legacy torch file's five, they are storage data).
  if (mode === 'one') {
    report.add('info', where, `${src.size - offset} bytes after the pickle (from offset ${offset}) are not read by the loader and were not scanned`);
  } else if (mode === 'all') {
    report.add('warning', where, `stopped after ${max} pickles; the ${src.size - offset} bytes from offset ${offset} were not scanned`);
  }
}

// ---------------------------------------------------------------------------------------------
// .npy: a header holding a Python literal; object arrays keep a pickle after it.

type PyLiteral = string | number | boolean | null | PyLiteral[] | { tuple: PyLiteral[] } | Map<string, PyLiteral>;

/** Parses the subset of Python literals numpy writes (ast.literal_eval in numpy itself). */
function parsePyLiteral(text: string): PyLiteral {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  const fail = (why: string): never => {
    throw new MregError('INVALID_INPUT', `${why} at character ${i}`);
  };
  const value = (depth: number): PyLiteral => {
    if (depth > 32) fail('nesting too deep');
    ws();
    const c = text[i];
    if (c === '"' || c === "'") {
      let out = '';
      for (i++; ; i++) {
        const d = text[i];
        if (d === undefined) return fail('unterminated string');
        if (d === c) {
          i++;
          return out;
        }
        if (d === '\\') {
          const e = text[++i];
          if (e === undefined) return fail('unterminated string');
          out += e === 'n' ? '\n' : e === 't' ? '\t' : e;
        } else out += d;
      }
    }
    if (c === '(' || c === '[' || c === '{') {
      const close = c === '(' ? ')' : c === '[' ? ']' : '}';
      i++;
      const items: PyLiteral[] = [];
      const map = new Map<string, PyLiteral>();
      let sawComma = false;
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          break;
        }
        const item = value(depth + 1);
        if (c === '{') {
          ws();
          if (text[i] !== ':') fail('expected ":"');
          i++;
          if (typeof item !== 'string') fail('dict key is not a string');
          if (map.has(item as string)) fail(`duplicate key ${JSON.stringify(item)}`);
          map.set(item as string, value(depth + 1));
        } else items.push(item);
        ws();
        if (text[i] === ',') {
          i++;
          sawComma = true;
        } else if (text[i] !== close) fail(`expected "," or "${close}"`);
      }
      if (c === '{') return map;
      if (c === '[') return items;
      return items.length === 1 && !sawComma ? (items[0] as PyLiteral) : { tuple: items };
    }
    // Python 2 era headers write longs as 3L; numpy still reads them.
    const word = /^(-?\d+L?|True|False|None)(?![\w.])/.exec(text.slice(i, i + 32));
    if (!word) return fail('unexpected character');
    const w = word[1] as string;
    i += w.length;
    return w === 'True' ? true : w === 'False' ? false : w === 'None' ? null : Number(w.replace('L', ''));
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail('trailing characters');
  return v;
}

type DtypeKind = 'object' | 'plain' | 'unknown';

/** Whether numpy.dtype(descr) holds Python objects, which numpy stores as a pickle. */
function dtypeKind(descr: PyLiteral, depth = 0): DtypeKind {
  if (depth > 16) return 'unknown';
  if (typeof descr === 'string') {
    const s = descr.replace(/^[<>|=]/, '');
    if (/^(O\d*|object_?)$/.test(s)) return 'object';
    if (
      /^(b1|\?|[iufc]\d+|[SUVa]\d*|[mM]8(\[\w+\])?|[bBhHiIlLqQpPnNefdgFDG])$/.test(s) ||
      /^((u?int|float|complex)(\d+)?|bool_?|bytes_?|str_?|void|half|single|double|longdouble)$/.test(s) ||
      /^(u?byte|u?short|u?intc|u?intp|u?longlong|(datetime|timedelta)64(\[\w+\])?)$/.test(s)
    ) {
      return 'plain';
    }
    return 'unknown';
  }
  const combine = (kinds: DtypeKind[]): DtypeKind => (kinds.includes('object') ? 'object' : kinds.includes('unknown') ? 'unknown' : 'plain');
  if (Array.isArray(descr)) {
    // A structured dtype: [(name, dtype) or (name, dtype, shape), ...]
    return combine(
      descr.map((field) => {
        const t = field !== null && typeof field === 'object' && 'tuple' in field ? field.tuple : null;
        return t !== null && (t.length === 2 || t.length === 3) ? dtypeKind(t[1] as PyLiteral, depth + 1) : 'unknown';
      }),
    );
  }
  if (descr !== null && typeof descr === 'object' && 'tuple' in descr && descr.tuple.length === 2) {
    return dtypeKind(descr.tuple[0] as PyLiteral, depth + 1); // (base dtype, shape)
  }
  return 'unknown';
}

/**
 * Scans an .npy document. `prefix(n)` returns its first n bytes (fewer if shorter); `whole()` the
 * complete member, fetched only for object arrays, the one case where numpy unpickles.
 */
function scanNpy(prefix: (n: number) => Uint8Array, whole: () => ByteSource, where: string, report: Report): void {
  const bad = (why: string): void => report.add('unsafe', where, `malformed NPY header: ${why}`);
  const first = prefix(12);
  if (!startsWith(first, NPY_MAGIC) || first.length < 10) return bad('too short');
  const major = first[6] as number;
  const minor = first[7] as number;
  if (minor !== 0 || major < 1 || major > 3) return bad(`unsupported format version ${major}.${minor}`);
  if (major > 1 && first.length < 12) return bad('too short');
  const view = new DataView(first.buffer, first.byteOffset, first.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  if (headerLen > SCAN_LIMITS.maxNpyHeader) {
    return report.add('unsafe', where, `NPY header of ${headerLen} bytes is too large to scan (limit ${SCAN_LIMITS.maxNpyHeader})`);
  }
  const bytes = prefix(headerStart + headerLen);
  if (bytes.length < headerStart + headerLen) return bad(`header of ${headerLen} bytes runs past the end of the data`);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart));
  let header: PyLiteral;
  try {
    header = parsePyLiteral(text);
  } catch (err) {
    return bad((err as Error).message);
  }
  if (!(header instanceof Map) || header.size !== 3 || !['descr', 'fortran_order', 'shape'].every((k) => header.has(k))) {
    return bad("it is not a dict of exactly 'descr', 'fortran_order' and 'shape'");
  }
  const descr = header.get('descr') as PyLiteral;
  const kind = dtypeKind(descr);
  if (kind === 'plain') return;
  if (kind === 'unknown') {
    return report.add('unsafe', where, `cannot tell whether dtype ${JSON.stringify(descr) ?? '?'} holds Python objects (numpy would unpickle those)`);
  }
  report.add('info', where, 'object array: numpy.load(allow_pickle=True) unpickles its data');
  scanPickleStream(whole(), headerStart + headerLen, where, 'one', report);
}

// ---------------------------------------------------------------------------------------------
// Archives.

function readDirectory(src: ByteSource, where: string, report: Report): ZipEntry[] | null {
  try {
    const { entries } = readZipDirectory(src);
    const seen = new Set<string>();
    for (const e of entries) {
      if (isEscapingName(e.name)) report.add('warning', where, `archive member ${JSON.stringify(e.name)} has a path that escapes its directory`);
      if (seen.has(e.name)) report.add('warning', where, `archive holds two members named ${JSON.stringify(e.name)}; loaders may disagree on which one counts`);
      seen.add(e.name);
    }
    return entries;
  } catch (err) {
    if (!(err instanceof MregError && err.code === 'INVALID_INPUT')) throw err;
    report.add('unsafe', where, err.message);
    return null;
  }
}

/** Runs `read` on an archive member; a member that cannot be read safely is unsafe to vouch for. */
function withMember<T>(entry: ZipEntry, report: Report, read: () => T): T | null {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof MregError && err.code === 'INVALID_INPUT')) throw err;
    report.add('unsafe', entry.name, `cannot be scanned: ${err.message}`);
    return null;
  }
}

/** torch.save since 1.6: a ZIP whose `<archive>/data.pkl` is the pickle torch.load runs. */
function scanTorchZip(src: ByteSource, report: Report): void {
  const entries = readDirectory(src, '', report);
  if (entries === null) return;
  const pickles = entries.filter((e) => e.name.toLowerCase().endsWith('.pkl'));
  if (pickles.length === 0) report.add('info', '', 'ZIP archive without a .pkl member: nothing in it is unpickled');
  for (const entry of pickles) {
    const member = withMember(entry, report, () => openZipMember(src, entry));
    if (member !== null) scanPickleStream(member, 0, entry.name, 'one', report);
  }
}

/** numpy.savez: a ZIP of .npy documents; numpy.load decides by each member's magic, not its name. */
function scanNpz(src: ByteSource, report: Report): void {
  const entries = readDirectory(src, '', report);
  if (entries === null) return;
  for (const entry of entries) {
    const magic = withMember(entry, report, () => readZipMemberPrefix(src, entry, NPY_MAGIC.length));
    if (magic === null || !startsWith(magic, NPY_MAGIC)) continue; // returned as raw bytes, never unpickled
    scanNpy(
      (n) => withMember(entry, report, () => readZipMemberPrefix(src, entry, n)) ?? new Uint8Array(0),
      () => withMember(entry, report, () => openZipMember(src, entry)) ?? bytesSource(new Uint8Array(0)),
      entry.name,
      report,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Dispatch.

const COMPRESSED: readonly { name: string; test: (b: Uint8Array) => boolean }[] = [
  { name: 'bz2', test: (b) => startsWith(b, [0x42, 0x5a, 0x68]) && startsWith(b, [0x31, 0x41, 0x59, 0x26, 0x53, 0x59], 4) },
  { name: 'xz', test: (b) => startsWith(b, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) },
  { name: 'lzma', test: (b) => startsWith(b, [0x5d, 0x00, 0x00]) },
  { name: 'lz4', test: (b) => startsWith(b, [0x04, 0x22, 0x4d, 0x18]) },
];

/** A pickle file, possibly compressed whole the way joblib.dump(compress=…) writes it. */
function scanPickleFile(src: ByteSource, ext: string, report: Report, depth = 0): void {
  const b = head(src, 16);
  if (startsWith(b, PK_LOCAL)) {
    report.add('info', '', 'a ZIP archive (torch.save writes these whatever the extension): scanning its .pkl members');
    return scanTorchZip(src, report);
  }
  const zlibHeader = b.length >= 2 && b[0] === 0x78 && (((b[0] as number) << 8) | (b[1] as number)) % 31 === 0;
  const gzip = startsWith(b, [0x1f, 0x8b]);
  if ((zlibHeader || gzip) && depth === 0) {
    const kind = gzip ? 'gzip' : 'zlib';
    if (src.size > SCAN_LIMITS.maxDecompressed) return report.add('unsafe', '', `${kind}-compressed file too large to scan`);
    let inflated: Buffer;
    try {
      const options = { maxOutputLength: SCAN_LIMITS.maxDecompressed };
      inflated = gzip ? gunzipSync(src.read(0, src.size), options) : inflateSync(src.read(0, src.size), options);
    } catch (err) {
      const tooBig = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
      const why = tooBig ? `inflates past ${SCAN_LIMITS.maxDecompressed} bytes; not scanned` : `does not decompress: ${(err as Error).message}`;
      return report.add('unsafe', '', `${kind}-compressed file ${why}`);
    }
    report.add('info', '', `${kind}-compressed (as joblib.dump(compress=...) writes): scanned after decompressing`);
    return scanPickleFile(bytesSource(inflated), ext, report, depth + 1);
  }
  const compressed = COMPRESSED.find((c) => c.test(b));
  if (compressed !== undefined) {
    return report.add('unsafe', '', `${compressed.name}-compressed: mreg cannot decompress it, so the pickle inside was not scanned`);
  }
  // joblib.load reads exactly one pickle; a plain .pkl may hold several back to back.
  if (ext === '.joblib') scanPickleStream(src, 0, '', 'one', report, true);
  else scanPickleStream(src, 0, '', 'all', report);
}

function scanTorchFile(src: ByteSource, report: Report): void {
  const b = head(src, 264);
  if (startsWith(b, PK_LOCAL)) return scanTorchZip(src, report);
  if (b.length >= 262 && String.fromCharCode(...b.subarray(257, 262)) === 'ustar') {
    return report.add('warning', '', 'a legacy tar-format torch.save file (before torch 0.4): its pickles were not scanned');
  }
  // torch.load unpickles anything that is not a ZIP, so a pickle here is live. But raw weights of
  // other tools share these extensions (and 1 in 256 of them starts with the PROTO byte 0x80). Code
  // can only run by calling something a GLOBAL, STACK_GLOBAL or EXT put on the stack; a stream that
  // breaks the pickle grammar before it obtains any such callable fails to load before code could run.
  // The pickles are followed as torch.load would (a legacy file holds several back to back).
  let offset = 0;
  let first: PickleDisassembly | undefined;
  for (let i = 0; i < SCAN_LIMITS.torchLegacyPickles && offset < src.size; i++) {
    const probe = disassemblePickle(src, { offset });
    first ??= probe;
    const c = probe.counts;
    const calls = c.REDUCE + c.BUILD + c.INST + c.OBJ + c.NEWOBJ + c.NEWOBJ_EX + c.PERSID;
    if (probe.globals.length > 0 || (c.EXT > 0 && calls > 0) || probe.issues.some((x) => x.severity === 'unsafe')) break;
    if (probe.malformed) {
      // A valid protocol and a few sound opcodes first: most likely a damaged pickle, worth a warning.
      const damaged = i > 0 || (first.protocol !== null && first.protocol <= HIGHEST_PROTOCOL && probe.malformed.offset > 2);
      const what = damaged ? 'a pickle stream that breaks before importing anything (damaged, or not a pickle)' : 'not a pickle-based format: neither a ZIP archive nor a pickle stream';
      return report.add(damaged ? 'warning' : 'info', '', `${what} (${probe.malformed.message})`);
    }
    if (probe.end === null) break;
    offset = probe.end;
  }
  scanPickleStream(src, 0, '', 'torch-legacy', report);
}

function scanNumpyFile(src: ByteSource, report: Report): void {
  const b = head(src, 8);
  if (startsWith(b, PK_LOCAL)) return scanNpz(src, report);
  if (startsWith(b, NPY_MAGIC)) return scanNpy((n) => head(src, n), () => src, '', report);
  // numpy.load(allow_pickle=True) unpickles any file that is neither a ZIP nor an .npy.
  report.add('info', '', 'neither an .npy nor an .npz: numpy.load(allow_pickle=True) would unpickle it');
  scanPickleStream(src, 0, '', 'one', report);
}

/** joblib.dump picks a compressor from these suffixes (model.pkl.gz); joblib.load sniffs the bytes. */
const COMPRESSION_SUFFIXES: readonly string[] = ['.gz', '.z', '.bz2', '.xz', '.lzma', '.lz4'];

/** Scans bytes from any source; `name` picks the reader by its extension and names the result. */
export function scanSource(name: string, src: ByteSource): FileScan {
  const report = new Report();
  let ext = extname(basename(name)).toLowerCase();
  if (COMPRESSION_SUFFIXES.includes(ext)) {
    const inner = extname(basename(name).slice(0, -ext.length)).toLowerCase();
    if (PICKLE_EXTENSIONS.includes(inner)) ext = inner;
  }
  if (PICKLE_EXTENSIONS.includes(ext)) scanPickleFile(src, ext, report);
  else if (TORCH_EXTENSIONS.includes(ext)) scanTorchFile(src, report);
  else if (NUMPY_EXTENSIONS.includes(ext)) scanNumpyFile(src, report);
  else report.add('info', '', 'not a pickle-based format');
  return report.result(name);
}

export function scanBuffer(name: string, bytes: Uint8Array): FileScan {
  return scanSource(name, bytesSource(bytes));
}

/**
 * Scans a file on disk; `name` (default: the path) picks the reader by its extension, for blobs
 * whose own names have none. Reads are synchronous and windowed so the disassembler stays a plain
 * loop and a multi-gigabyte checkpoint costs only the bytes actually inspected.
 */
export async function scanFile(path: string, name: string = path): Promise<FileScan> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new MregError('NOT_FOUND', `no such file: ${path}`, { data: { path } });
    throw toMregError(err);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new MregError('INVALID_INPUT', `not a regular file: ${path}`, { data: { path } });
    const fd = handle.fd;
    const source: ByteSource = {
      size: stat.size,
      read(offset, length) {
        const buf = Buffer.allocUnsafe(length);
        for (let done = 0; done < length; ) {
          const n = readSync(fd, buf, done, length - done, offset + done);
          if (n === 0) throw new MregError('CHANGED_WHILE_READING', `${path} shrank while it was being scanned`, { data: { path } });
          done += n;
        }
        return buf;
      },
    };
    return scanSource(name, source);
  } catch (err) {
    throw toMregError(err);
  } finally {
    await handle.close();
  }
}
