import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { MregError } from '../../src/errors.js';
import { disassemblePickle, bytesSource } from '../../src/core/scan/pickle.js';
import { CAUTION_GLOBALS, SAFE_GLOBALS, UNSAFE_GLOBALS, UNSAFE_MODULES, classifyGlobal } from '../../src/core/scan/policy.js';
import { SCAN_LIMITS, scanBuffer, scanFile, type FileScan } from '../../src/core/scan/scan.js';
import { prng } from '../helpers/prng.js';

const DIR = 'test/fixtures/pickles';
const fixture = (name: string): Buffer => readFileSync(`${DIR}/${name}`);


/** A version-1 .npy header around a literal, as latin1 text. */
const v1 = (literal: string): string => `\x93NUMPY\x01\x00${String.fromCharCode(literal.length)}\x00${literal}`;

const tmp = mkdtempSync(join(tmpdir(), 'mreg-scan-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const TORCH = ['collections.OrderedDict', 'torch.FloatStorage', 'torch._utils._rebuild_tensor_v2'];
const JOBLIB = ['joblib.numpy_pickle.NumpyArrayWrapper', 'numpy.dtype', 'numpy.ndarray'];

describe('the committed fixtures', () => {
  // Expected values come from how make_fixtures.py builds each file, not from the scanner.
  it.each([
    ['benign_dict_p0.pkl', 'safe', []],
    ['benign_dict_p2.pkl', 'safe', []],
    ['benign_dict_p4.pkl', 'safe', []],
    ['benign_dict_p5.pkl', 'safe', []],
    ['os_system_p0.pkl', 'unsafe', ['posix.system']],
    ['os_system_p2.pkl', 'unsafe', ['posix.system']],
    ['os_system_p4.pkl', 'unsafe', ['posix.system']],
    ['builtins_eval_p4.pkl', 'unsafe', ['builtins.eval']],
    ['subprocess_popen_p2.pkl', 'unsafe', ['commands.Popen']], // protocol 2 writes the Python 2 name
    ['subprocess_popen_p4.pkl', 'unsafe', ['subprocess.Popen']],
    ['getattr_chain_p2.pkl', 'unsafe', ['__builtin__.__import__', '__builtin__.getattr']],
    ['torch_state_dict.pt', 'safe', TORCH],
    ['torch_legacy.pth', 'safe', TORCH],
    ['torch_malicious.pt', 'unsafe', ['posix.system']],
    ['numbers.npy', 'safe', []],
    ['object_benign.npy', 'safe', ['numpy.core.multiarray._reconstruct', 'numpy.dtype', 'numpy.ndarray']],
    ['object_malicious.npy', 'unsafe', ['posix.system']],
    ['malicious.npz', 'unsafe', ['posix.system']],
    ['model.joblib', 'safe', JOBLIB],
    ['malicious_after_array.joblib', 'unsafe', [...JOBLIB, 'posix.system']],
    ['trailing_bytes.joblib', 'safe', []],
  ] as const)('%s is %s and imports %j', async (file, status, globals) => {
    const scan = await scanFile(join(DIR, file));
    expect(scan.status).toBe(status);
    expect(scan.globals).toEqual(globals);
    expect(scan.path).toBe(join(DIR, file));
    // Nothing malformed in a well-formed fixture.
    expect(scan.findings.filter((f) => /malformed/.test(f.message))).toEqual([]);
  });

  it('scanBuffer agrees with scanFile', async () => {
    for (const file of readdirSync(DIR)) {
      const fromFile = await scanFile(join(DIR, file));
      expect(scanBuffer(join(DIR, file), fixture(file))).toEqual(fromFile);
    }
  });

  it('names the member and the reason in each finding', () => {
    expect(scanBuffer('m.pt', fixture('torch_malicious.pt')).findings).toEqual([
      { severity: 'unsafe', message: expect.stringMatching(/^archive\/data\.pkl: imports posix\.system: unsafe module posix/) },
    ]);
    expect(scanBuffer('a.npz', fixture('malicious.npz')).findings).toEqual([
      { severity: 'info', message: 'payload.npy: object array: numpy.load(allow_pickle=True) unpickles its data' },
      { severity: 'unsafe', message: expect.stringMatching(/^payload\.npy: imports posix\.system: /) },
    ]);
    expect(scanBuffer('t.joblib', fixture('trailing_bytes.joblib')).findings).toEqual([
      { severity: 'info', message: '256 bytes after the pickle (from offset 137) are not read by the loader and were not scanned' },
    ]);
  });

  it('a joblib file is scanned as joblib.load reads it, and the plain reading is explained', () => {
    const scan = scanBuffer('m.joblib', fixture('model.joblib'));
    expect(scan.findings).toEqual([{ severity: 'info', message: expect.stringMatching(/plain pickle\.load, the stream breaks at offset 224/) }]);
    // joblib.dump(model, 'model.pkl') is common: the same bytes under .pkl get the same verdict.
    expect(scanBuffer('m.pkl', fixture('malicious_after_array.joblib')).globals).toContain('posix.system');
  });
});

describe('policy', () => {
  it.each([
    ['os', 'system', 'unsafe'],
    ['posix', 'system', 'unsafe'],
    ['nt', 'system', 'unsafe'],
    ['os.path', 'join', 'unsafe'],
    ['subprocess', 'Popen', 'unsafe'],
    ['commands', 'getoutput', 'unsafe'],
    ['builtins', 'eval', 'unsafe'],
    ['builtins', 'exec', 'unsafe'],
    ['builtins', 'getattr', 'unsafe'],
    ['__builtin__', 'eval', 'unsafe'],
    ['__builtin__', 'intern', 'unsafe'], // Python 3 maps it to sys.intern
    ['operator', 'attrgetter', 'unsafe'],
    ['operator', 'methodcaller', 'unsafe'],
    ['types', 'CodeType', 'unsafe'],
    ['socket', 'create_connection', 'unsafe'],
    ['webbrowser', 'open', 'unsafe'],
    ['runpy', '_run_code', 'unsafe'],
    ['torch.hub', 'load', 'unsafe'],
    ['torch', 'load', 'unsafe'],
    ['numpy.testing._private.utils', 'runstring', 'unsafe'],
    ['pickle', 'loads', 'unsafe'],
    ['_pickle', 'loads', 'unsafe'],
    ['collections', 'abc.sys', 'unsafe'], // protocol 4 dotted names walk attributes
    ['torch._utils', '_rebuild_tensor_v2.__globals__', 'unsafe'],
    ['builtins', 'eval.__call__', 'unsafe'],
    ['numpy', 'testing._private.utils.runstring', 'unsafe'],
    ['collections', 'OrderedDict.fromkeys', 'warning'],
    ['torch.storage', '_load_from_bytes', 'warning'],
    ['functools', 'partial', 'unsafe'], // on picklescan's deny list
    // Aliases of dangerous modules (issue 16): classified by what is finally reached.
    ['random', '_os.posix_spawnp', 'unsafe'],
    ['random', '_os.system', 'unsafe'],
    ['tempfile', '_os', 'unsafe'],
    ['shutil', 'os', 'unsafe'],
    ['json.decoder', 're.sre_compile.sys.modules', 'unsafe'],
    // Nested loaders and configuration loaders.
    ['joblib.numpy_pickle', 'load', 'unsafe'],
    ['numpy.lib._npyio_impl', 'load', 'unsafe'],
    ['torch.serialization', '_load', 'unsafe'],
    ['logging.config', 'dictConfig', 'unsafe'],
    ['logging.config', 'fileConfig', 'unsafe'],
    ['mymodule', 'fileConfig', 'unsafe'],
    // Helpers that run a command are os.system.
    ['platform', '_syscmd_file', 'unsafe'],
    ['uuid', '_get_command_stdout', 'unsafe'],
    ['some.vendor.helpers', 'getoutput', 'unsafe'],
    ['some.vendor.helpers', 'check_output', 'unsafe'],
    ['torch._inductor.codecache', 'compile_file', 'unsafe'],
    ['operator', 'itemgetter', 'unsafe'],
    // JavaScript's own property names are plain names here, never table hits.
    ['constructor', 'constructor', 'warning'],
    ['__proto__', 'toString', 'warning'],
    ['hasOwnProperty', '__proto__', 'warning'],
    ['collections', 'constructor.prototype', 'warning'],
    ['sklearn.linear_model._logistic', 'LogisticRegression', 'warning'],
    ['__main__', 'Net', 'warning'],
    ['torch.nn.modules.linear', 'os', 'unsafe'], // the os module itself, through the module's own import
    ['tempfile', 'mkdtemp', 'warning'],
    ['collections', 'OrderedDict', 'safe'],
    ['builtins', 'set', 'safe'],
    ['__builtin__', 'set', 'safe'],
    ['copy_reg', '_reconstructor', 'safe'],
    ['_codecs', 'encode', 'safe'],
    ['torch._utils', '_rebuild_tensor_v2', 'safe'],
    ['torch._utils', '_rebuild_parameter', 'safe'],
    ['torch', 'FloatStorage', 'safe'],
    ['torch', 'BFloat16Storage', 'safe'],
    ['torch', 'Size', 'safe'],
    ['torch', 'bfloat16', 'safe'],
    ['torch.nn.modules.linear', 'Linear', 'safe'],
    ['numpy.core.multiarray', '_reconstruct', 'safe'],
    ['numpy._core.multiarray', 'scalar', 'safe'],
    ['numpy.dtypes', 'Float64DType', 'safe'],
    ['numpy', 'float64', 'safe'],
  ])('%s.%s is %s', (module, name, verdict) => {
    expect(classifyGlobal(module, name).verdict).toBe(verdict);
  });

  it('the exported lists agree with the classifier and do not overlap', () => {
    for (const g of SAFE_GLOBALS) {
      const dot = g.lastIndexOf('.');
      expect(classifyGlobal(g.slice(0, dot), g.slice(dot + 1)).verdict, g).toBe('safe');
    }
    for (const g of Object.keys(UNSAFE_GLOBALS)) {
      const dot = g.lastIndexOf('.');
      expect(classifyGlobal(g.slice(0, dot), g.slice(dot + 1)).verdict, g).toBe('unsafe');
    }
    for (const m of Object.keys(UNSAFE_MODULES)) expect(classifyGlobal(m, 'anything').verdict, m).toBe('unsafe');
    for (const g of Object.keys(CAUTION_GLOBALS)) {
      const dot = g.lastIndexOf('.');
      expect(classifyGlobal(g.slice(0, dot), g.slice(dot + 1)).verdict, g).toBe('warning');
    }
  });
});

describe('file types', () => {
  it('leaves other formats alone, but judges every file by its bytes', () => {
    const header = Buffer.from('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
    const size = Buffer.alloc(8);
    size.writeBigUInt64LE(BigInt(header.length));
    expect(scanBuffer('model.safetensors', Buffer.concat([size, header, Buffer.alloc(4)]))).toEqual({
      path: 'model.safetensors',
      status: 'safe',
      globals: [],
      findings: [{ severity: 'info', message: 'not a pickle-based format' }],
    });
    // torch.load ignores the extension: a pickle is a pickle whatever it is called.
    for (const name of ['model.safetensors', 'checkpoint.pth.tar', 'weights.dat', 'LICENSE', 'notes.txt']) {
      expect(scanBuffer(name, fixture('os_system_p2.pkl')), name).toMatchObject({ status: 'unsafe', globals: ['posix.system'] });
      expect(scanBuffer(name, fixture('os_system_p0.pkl')), name).toMatchObject({ status: 'unsafe', globals: ['posix.system'] });
      expect(scanBuffer(name, fixture('torch_malicious.pt')), name).toMatchObject({ status: 'unsafe', globals: ['posix.system'] });
      expect(scanBuffer(name, fixture('malicious.npz')), name).toMatchObject({ status: 'unsafe', globals: ['posix.system'] });
      expect(scanBuffer(name, fixture('object_malicious.npy')), name).toMatchObject({ status: 'unsafe', globals: ['posix.system'] });
      expect(scanBuffer(name, gzipSync(fixture('os_system_p2.pkl'))), name).toMatchObject({ status: 'unsafe', globals: ['posix.system'] });
      expect(scanBuffer(name, fixture('torch_state_dict.pt')).status, name).toBe('safe');
    }
    // Text that merely starts with an opcode letter names nothing importable: not a pickle.
    for (const text of ['class Foo:\n    pass\n', '(a, b)\n', 'cat food\n', '}', 'I like it\n', '# Model card\n', '{"a": 1}\n', 'S\n']) {
      expect(scanBuffer('README', Buffer.from(text)), text).toMatchObject({ status: 'safe', findings: [{ severity: 'info', message: 'not a pickle-based format' }] });
    }
  });

  it('safetensors whose header length starts with a text opcode letter is still not a pickle', () => {
    // The 8-byte little-endian header length comes first: its low byte can be 'c' (GLOBAL), 'p' (PUT), 'I',
    // 'L', 'S' or 'V', and the JSON header and the weights after it may hold no newline for megabytes.
    for (const letter of 'cpILSVFPgi') {
      const length = 256 + letter.charCodeAt(0);
      const json = `{"w":{"dtype":"U8","shape":[${2 * 1024 * 1024}],"data_offsets":[0,${2 * 1024 * 1024}]}}`;
      const header = Buffer.from(json.padEnd(length, ' '));
      const size = Buffer.alloc(8);
      size.writeBigUInt64LE(BigInt(header.length));
      const weights = Buffer.alloc(2 * 1024 * 1024);
      weights[1536 * 1024] = 0x0a; // one newline, far past every line limit of the scanner
      const file = Buffer.concat([size, header, weights]);
      for (const name of ['model.safetensors', 'model.bin', 'model']) {
        expect(scanBuffer(name, file).status, `${letter} ${name}`).toBe('safe');
      }
    }
  });

  it('an empty file is safe under every name (no loader reads anything from it)', () => {
    for (const name of ['m.bin', 'm.pt', 'm.pkl', 'm.joblib', 'm.npy', 'm.npz', 'm', 'm.pkl.gz']) {
      expect(scanBuffer(name, new Uint8Array(0)), name).toEqual({ path: name, status: 'safe', globals: [], findings: [{ severity: 'info', message: 'empty file: nothing to load' }] });
    }
  });

  it('treats a non-ZIP torch file as the pickle stream torch.load would read', () => {
    expect(scanBuffer('pytorch_model.bin', fixture('os_system_p0.pkl')).status).toBe('unsafe'); // protocol 0: no 0x80
    expect(scanBuffer('model.ckpt', fixture('os_system_p2.pkl')).globals).toEqual(['posix.system']);
    const gguf = Buffer.concat([Buffer.from('GGUF\x03\x00\x00\x00', 'latin1'), Buffer.alloc(64)]);
    const scan = scanBuffer('ggml-model.bin', gguf);
    expect(scan.status).toBe('safe');
    expect(scan.findings[0]?.message).toMatch(/^not a pickle-based format: neither a ZIP archive nor a pickle stream/);
    // Truncated before importing anything: loading fails before code could run, but it looks damaged.
    expect(scanBuffer('old.pt', Buffer.from('\x80\x02}q\x00', 'latin1')).status).toBe('warning');
    // Truncated after importing os.system: unsafe, whatever follows.
    const evil = fixture('os_system_p2.pkl');
    expect(scanBuffer('old.pt', evil.subarray(0, evil.length - 3)).status).toBe('unsafe');
    // Raw weights that happen to start with the PROTO byte are not pickles at all.
    expect(scanBuffer('weights.bin', Buffer.from([0x80, 0x62, 0x00, 0x01, 0x02])).status).toBe('safe');
  });

  it('reads at most five pickles of a legacy torch file, then stops at the storage bytes', () => {
    const legacy = fixture('torch_legacy.pth');
    const scan = scanBuffer('legacy.pt', legacy);
    expect(scan.findings).toEqual([]);
    // Cut inside the fourth pickle (the object): still a torch file, now broken. Cut before its first
    // import, loading fails before any code could run (a warning); cut after imports, it is unsafe.
    let offset = 0;
    for (let i = 0; i < 3; i++) offset = disassemblePickle(bytesSource(legacy), { offset }).end as number;
    const fourth = disassemblePickle(bytesSource(legacy), { offset });
    expect(fourth.globals.length).toBeGreaterThan(0);
    expect(scanBuffer('legacy.pt', legacy.subarray(0, offset + 2)).status).toBe('warning');
    expect(scanBuffer('legacy.pt', legacy.subarray(0, (fourth.end as number) - 1)).status).toBe('unsafe');
  });

  it('scans a ZIP saved under a pickle extension as a torch archive', () => {
    const scan = scanBuffer('model.pkl', fixture('torch_malicious.pt'));
    expect(scan.globals).toEqual(['posix.system']);
    expect(scan.status).toBe('unsafe');
  });

  it('scans every pickle back to back in a .pkl file', () => {
    const two = Buffer.concat([fixture('benign_dict_p2.pkl'), fixture('os_system_p4.pkl')]);
    expect(scanBuffer('two.pkl', two)).toMatchObject({ status: 'unsafe', globals: ['posix.system'] });
    const junk = Buffer.concat([fixture('benign_dict_p2.pkl'), Buffer.from([0xde, 0xad])]);
    expect(scanBuffer('junk.pkl', junk)).toMatchObject({
      status: 'warning',
      findings: [{ severity: 'warning', message: expect.stringMatching(/^trailing data is not a complete pickle: malformed pickle at offset 154: unknown opcode 0xde/) }],
    });
  });

  it('decompresses zlib and gzip joblib files, and refuses what it cannot decompress', () => {
    expect(scanBuffer('m.joblib', deflateSync(fixture('model.joblib')))).toMatchObject({ status: 'safe', globals: JOBLIB });
    expect(scanBuffer('m.joblib', gzipSync(fixture('malicious_after_array.joblib')))).toMatchObject({ status: 'unsafe' });
    const xz = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0]);
    expect(scanBuffer('m.joblib', xz).findings).toEqual([{ severity: 'unsafe', message: 'xz-compressed: mreg cannot decompress it, so the pickle inside was not scanned' }]);
    const saved = SCAN_LIMITS.maxDecompressed;
    SCAN_LIMITS.maxDecompressed = 1024 * 1024;
    try {
      const bomb = deflateSync(Buffer.alloc(8 * 1024 * 1024));
      expect(scanBuffer('m.pkl', bomb).findings[0]?.message).toMatch(/inflates past 1048576 bytes/);
    } finally {
      SCAN_LIMITS.maxDecompressed = saved;
    }
  });

  it('sees through joblib compression suffixes such as model.pkl.gz', () => {
    expect(scanBuffer('model.pkl.gz', gzipSync(fixture('os_system_p2.pkl')))).toMatchObject({ status: 'unsafe', globals: ['posix.system'] });
    // Decided by content: joblib.load sniffs the compression whatever the name.
    expect(scanBuffer('notes.txt.gz', gzipSync(fixture('os_system_p2.pkl'))).status).toBe('unsafe');
    expect(scanBuffer('notes.txt.gz', gzipSync(Buffer.from('plain text\n'.repeat(100)))).status).toBe('safe');
    expect(scanBuffer('data.bin.zz', deflateSync(fixture('os_system_p4.pkl')))).toMatchObject({ status: 'unsafe' });
  });

  it('reads Python 2 era .npy headers (3L)', () => {
    expect(scanBuffer('old.npy', Buffer.from(v1("{'descr': '<f8', 'fortran_order': False, 'shape': (3L, 2L), }"), 'latin1')).findings).toEqual([]);
  });

  it('numpy.load unpickles any file without NPY or ZIP magic', () => {
    expect(scanBuffer('x.npy', fixture('os_system_p2.pkl'))).toMatchObject({ status: 'unsafe', globals: ['posix.system'] });
  });

  it('finds object fields inside structured dtypes', () => {
    const header = "{'descr': [('w', '<f8'), ('meta', '|O')], 'fortran_order': False, 'shape': (1,), }\n";
    const npy = Buffer.concat([Buffer.from('\x93NUMPY\x01\x00', 'latin1'), Buffer.from([header.length, 0]), Buffer.from(header), fixture('os_system_p2.pkl')]);
    expect(scanBuffer('s.npy', npy)).toMatchObject({ status: 'unsafe', globals: ['posix.system'] });
  });

  it.each([
    ['an unsupported version', '\x93NUMPY\x09\x00\x10\x00', /unsupported format version 9\.0/],
    ['a header past the end', "\x93NUMPY\x01\x00\xff\x00{'descr'", /runs past the end/],
    ['a header that is not a literal', '\x93NUMPY\x01\x00\x0a\x00{descr: 1}', /malformed NPY header: unexpected character/],
    ['missing keys', v1("{'descr': '<f8'}"), /exactly 'descr', 'fortran_order' and 'shape'/],
    ['a duplicate key', v1("{'descr': '<f8', 'descr': '|O', 'shape': ()}"), /duplicate key "descr"/],
    ['an unknown dtype', v1("{'descr': 'weird', 'fortran_order': False, 'shape': (1,)}"), /cannot tell whether dtype "weird" holds Python objects/],
    ['a 4 GiB header', '\x93NUMPY\x02\x00\xff\xff\xff\xff', /too large to scan/],
  ])('an .npy with %s is unsafe', (_label, bytes, message) => {
    const scan = scanBuffer('x.npy', Buffer.from(bytes, 'latin1'));
    expect(scan.status).toBe('unsafe');
    expect(scan.findings.map((f) => f.message).join('\n')).toMatch(message);
  });

  it('streams a file: a 2 GiB pickle costs only the bytes it inspects', async () => {
    const path = join(tmp, 'huge.pkl');
    const size = 2 ** 31;
    const head = Buffer.from([0x80, 4, 0x8e, 0, 0, 0, 0x80, 0, 0, 0, 0]); // BINBYTES8 of 2^31 bytes
    writeFileSync(path, head);
    truncateSync(path, head.length + size + 1); // sparse: nothing is written in between
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from('.'), 0, 1, head.length + size);
    closeSync(fd);
    const started = Date.now();
    expect(await scanFile(path)).toMatchObject({ status: 'safe', globals: [], findings: [] });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reports a missing file and a directory as errors, not findings', async () => {
    await expect(scanFile(join(DIR, 'nope.pkl'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(scanFile(DIR)).rejects.toBeInstanceOf(MregError);
  });
});

describe('hostile files', () => {
  it('every truncation of every pickle fixture is unsafe with a malformed-pickle finding', () => {
    for (const file of readdirSync(DIR).filter((f) => f.endsWith('.pkl'))) {
      const bytes = fixture(file);
      for (let n = 1; n < bytes.length; n++) {
        const scan = scanBuffer(file, bytes.subarray(0, n));
        expect(scan.status, `${file} cut at ${n}`).toBe('unsafe');
        expect(scan.findings.some((f) => f.severity === 'unsafe' && /^malformed pickle at offset \d+: /.test(f.message)), `${file} cut at ${n}`).toBe(true);
      }
    }
  });

  it('random bytes (fixed seed) under every extension never throw; a non-pickle .pkl is never safe', async () => {
    const rand = prng(20240611);
    const exts = ['.pkl', '.joblib', '.pt', '.bin', '.npy', '.npz', '.dill'];
    for (let i = 0; i < 1400; i++) {
      const bytes = Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)));
      const ext = exts[i % exts.length] as string;
      const scan = scanBuffer(`r${ext}`, bytes);
      expect(['safe', 'warning', 'unsafe']).toContain(scan.status);
      if (ext === '.pkl' && scan.status !== 'unsafe') {
        expect(disassemblePickle(bytesSource(bytes)).malformed, `random .pkl #${i} reported ${scan.status}`).toBeNull();
      }
      if (i % 100 === 0) {
        writeFileSync(join(tmp, `r${ext}`), bytes);
        expect(await scanFile(join(tmp, `r${ext}`))).toEqual({ ...scan, path: join(tmp, `r${ext}`) });
      }
    }
  });

  it('single-byte corruptions of every fixture never throw', () => {
    const rand = prng(7);
    for (const file of readdirSync(DIR).filter((f) => !f.endsWith('.py'))) {
      const original = fixture(file);
      for (let i = 0; i < 60; i++) {
        const bytes = Buffer.from(original);
        bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
        let scan: FileScan | undefined;
        expect(() => (scan = scanBuffer(file, bytes)), `${file} #${i}`).not.toThrow();
        expect(scan?.globals).toEqual([...new Set(scan?.globals)].sort());
      }
    }
  });
});
