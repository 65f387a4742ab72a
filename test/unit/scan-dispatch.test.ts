// scan.ts: how each kind of file is read (by name, then by bytes), what each reading reports, word for word,
// and how findings add up to a file's status. Fixtures are built here byte by byte.
import { readFileSync } from 'node:fs';
import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SCAN_LIMITS, scanBuffer, type FileScan } from '../../src/core/scan/scan.js';
import { prng } from '../helpers/prng.js';
import { makeZip } from '../helpers/zip-bytes.js';
import { PICKLE_LIMITS } from '../../src/core/scan/pickle.js';

const L = (s: string): Buffer => Buffer.from(s, 'latin1');
const cat = (...parts: (Buffer | string)[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? L(p) : p)));
const fx = (name: string): Buffer => readFileSync(`test/fixtures/pickles/${name}`);
/** BINUNICODE. */
const uni = (s: string): Buffer => {
  const b = Buffer.alloc(5);
  b[0] = 0x58;
  b.writeUInt32LE(Buffer.byteLength(s), 1);
  return cat(b, Buffer.from(s));
};
/** SHORT_BINUNICODE. */
const sbu = (s: string): Buffer => cat(Buffer.from([0x8c, s.length]), s);
/** A protocol-2 pickle importing module.name and stopping. */
const imports = (module: string, name: string): Buffer => L(`\x80\x02c${module}\n${name}\n.`);
const findings = (scan: FileScan): string[] => scan.findings.map((f) => `${f.severity}: ${f.message}`);
const scanOf = (name: string, bytes: Uint8Array): [string, string[], string[]] => {
  const s = scanBuffer(name, bytes);
  return [s.status, s.globals, findings(s)];
};

const OS = 'unsafe module os (runs shell commands and changes files (os.system, os.popen, os.exec*))';
const NOT_LISTED = "not on the allow-list; importing it runs its module's code, and the scanner cannot vouch for it";


/** A version-1 .npy document. */
const npy = (descr: string, data: Buffer | string = ''): Buffer => {
  const header = `{'descr': ${descr}, 'fortran_order': False, 'shape': (1,), }\n`;
  const len = Buffer.alloc(2);
  len.writeUInt16LE(header.length);
  return cat('\x93NUMPY\x01\x00', len, header, data);
};

describe('findings and status', () => {
  it('the status is the worst finding; info alone is safe; globals are sorted and unique', () => {
    expect(scanOf('a.pkl', cat(imports('zz', 'Late'), imports('aa', 'Early'), imports('zz', 'Late')))).toStrictEqual([
      'warning',
      ['aa.Early', 'zz.Late'],
      [`warning: imports zz.Late: ${NOT_LISTED}`, `warning: imports aa.Early: ${NOT_LISTED}`],
    ]);
    expect(scanOf('a.pkl', cat(imports('collections', 'OrderedDict'), imports('aa', 'B'), imports('os', 'system')))).toStrictEqual([
      'unsafe',
      ['aa.B', 'collections.OrderedDict', 'os.system'],
      [`warning: imports aa.B: ${NOT_LISTED}`, `unsafe: imports os.system: ${OS}`],
    ]);
    expect(scanOf('a.pkl', imports('collections', 'OrderedDict'))).toStrictEqual(['safe', ['collections.OrderedDict'], []]);
    expect(scanOf('a.joblib', cat('N.', 'xyz'))).toStrictEqual(['safe', [], ['info: 3 bytes after the pickle (from offset 2) are not read by the loader and were not scanned']]);
  });

  it('the same finding twice is reported once; the same text at another severity is not the same finding', () => {
    const twice = makeZip([
      { name: 'a/../x.txt', data: L('1') },
      { name: 'a/../x.txt', data: L('2') },
      { name: 'b/../x.txt', data: L('3') },
    ]);
    expect(findings(scanBuffer('m.pt', twice))).toStrictEqual([
      'warning: archive member "a/../x.txt" has a path that escapes its directory',
      'warning: archive holds two members named "a/../x.txt"; loaders may disagree on which one counts',
      'warning: archive member "b/../x.txt" has a path that escapes its directory',
      'info: ZIP archive without a .pkl or .npy member: nothing in it is unpickled',
    ]);
  });

  it('control and direction characters of hostile names are escaped', () => {
    const controls = ['\u0000', '\u001b', '\u001f', '\u007f', '\u0085', '\u009f', '\u2028', '\u2029', '\u202a', '\u202e', '\u2066', '\u2069'];
    const kept = [' ', '~', '\u00a0', '\u00e9', '\u2027', '\u202f', '\u2065', '\u206a'];
    const name = `m${controls.join('')}|${kept.join('')}.pkl`;
    const s = scanBuffer('m.pt', makeZip([{ name, data: L('\xff') }]));
    const escaped = controls.map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
    expect(findings(s)).toStrictEqual([`unsafe: m${escaped}|${kept.join('')}.pkl: malformed pickle at offset 0: unknown opcode 0xff`]);
  });
});

describe('pickle streams', () => {
  it('a .pkl holds pickles back to back; a broken first pickle is unsafe, a broken later one a warning', () => {
    expect(scanOf('a.pkl', L('\xff'))).toStrictEqual(['unsafe', [], ['unsafe: malformed pickle at offset 0: unknown opcode 0xff']]);
    expect(scanOf('a.pkl', L('N.\xff'))).toStrictEqual(['warning', [], ['warning: trailing data is not a complete pickle: malformed pickle at offset 2: unknown opcode 0xff']]);
    expect(scanOf('a.pkl', L('N.N.\xff'))).toStrictEqual(['warning', [], ['warning: trailing data is not a complete pickle: malformed pickle at offset 4: unknown opcode 0xff']]);
    expect(scanOf('a.pkl', L('N.N.'))).toStrictEqual(['safe', [], []]);
    expect(scanOf('a.pkl', cat('N.', imports('os', 'system')))).toStrictEqual(['unsafe', ['os.system'], [`unsafe: imports os.system: ${OS}`]]);
  });

  it('reads at most 1000 pickles of a .pkl and says what it left', () => {
    const max = SCAN_LIMITS.maxPicklesPerFile;
    expect(scanOf('a.pkl', L('N.'.repeat(max)))).toStrictEqual(['safe', [], []]);
    expect(scanOf('a.pkl', L('N.'.repeat(max + 1)))).toStrictEqual(['warning', [], [`warning: stopped after ${max} pickles; the 2 bytes from offset ${2 * max} were not scanned`]]);
    expect(scanOf('a.pkl', cat('N.'.repeat(max), imports('os', 'system')))[2]).toStrictEqual([`warning: stopped after ${max} pickles; the 14 bytes from offset ${2 * max} were not scanned`]);
  });

  it('a .joblib holds one pickle: the bytes after it are reported, not read', () => {
    expect(scanOf('a.joblib', cat('N.', imports('os', 'system')))).toStrictEqual([
      'safe',
      [],
      ['info: 14 bytes after the pickle (from offset 2) are not read by the loader and were not scanned'],
    ]);
    expect(scanOf('a.joblib', L('\xff'))).toStrictEqual(['unsafe', [], ['unsafe: malformed pickle at offset 0: unknown opcode 0xff']]);
    expect(scanOf('a.joblib', L('N.'))).toStrictEqual(['safe', [], []]);
  });

  it('a legacy torch file: five pickles, then storage bytes that are not read', () => {
    expect(scanOf('a.pt', cat('N.'.repeat(5), imports('os', 'system')))).toStrictEqual(['safe', [], []]);
    expect(scanOf('a.pt', cat('N.'.repeat(4), imports('os', 'system')))).toStrictEqual(['unsafe', ['os.system'], [`unsafe: imports os.system: ${OS}`]]);
    expect(scanOf('a.pt', cat('N.'.repeat(4), 'N\xff'))).toStrictEqual([
      'warning',
      [],
      ['warning: a pickle stream that breaks before importing anything (damaged, or not a pickle) (malformed pickle at offset 9: unknown opcode 0xff)'],
    ]);
  });
});

describe('joblib files: two readings of one stream', () => {
  const wrapper = (state: Buffer): Buffer => cat('\x80\x02cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81}(', state, 'ub');
  const f8x2 = cat(uni('dtype'), 'cnumpy\ndtype\n', uni('f8'), '\x85R', uni('shape'), 'K\x02\x85');
  const W = ['joblib.numpy_pickle.NumpyArrayWrapper', 'numpy.dtype'];
  const PLAIN_BREAKS = (at: number): string => `info: read by plain pickle.load, the stream breaks at offset ${at} (expected: joblib stores array bytes inline, which only joblib.load reads)`;

  it('array bytes after the wrapper: plain pickle.load breaks there, as expected', () => {
    const file = cat(wrapper(f8x2), Buffer.alloc(16), '.');
    for (const name of ['m.joblib', 'm.pkl', 'm.pt']) expect(scanOf(name, file), name).toStrictEqual(['safe', W, [PLAIN_BREAKS(92)]]);
    expect(scanOf('m', file)).toStrictEqual(['safe', W, ['info: a pickle stream whatever the extension (torch.load would unpickle it)', PLAIN_BREAKS(92)]]);
  });

  it('what the plain reading imports counts, except in a .joblib that joblib.load reads cleanly', () => {
    const file = cat(wrapper(f8x2), 'cos\nsystem\n\xff\xff\xff\xff\xff', '.');
    expect(scanOf('m.joblib', file)).toStrictEqual(['safe', W, [PLAIN_BREAKS(103)]]);
    for (const name of ['m.pkl', 'm.pt']) expect(scanOf(name, file), name).toStrictEqual(['unsafe', [...W, 'os.system'], [`unsafe: imports os.system: ${OS}`, PLAIN_BREAKS(103)]]);
    // In a .joblib whose joblib reading breaks, the plain reading counts again.
    const broken = cat(wrapper(f8x2), 'cos\nsystem\n\xff\xff\xff\xff\xff', '\xff');
    expect(scanOf('m.joblib', broken)).toStrictEqual(['unsafe', [...W, 'os.system'], [`unsafe: imports os.system: ${OS}`, 'unsafe: malformed pickle at offset 108: unknown opcode 0xff']]);
  });

  it('no array bytes: pickle.load reads it, joblib.load does not (unsafe in a .joblib, a warning elsewhere)', () => {
    const file = cat(wrapper(f8x2), '.');
    const why = 'pickle.load reads this stream, but as joblib.load reads it: malformed pickle at offset 92: joblib array data (16 bytes) needs 16 bytes but only 1 remain';
    expect(scanOf('m.joblib', file)).toStrictEqual(['unsafe', W, [`unsafe: ${why}`]]);
    expect(scanOf('m.pkl', file)).toStrictEqual(['warning', W, [`warning: ${why}`]]);
    expect(scanOf('m.pt', file)).toStrictEqual(['warning', W, [`warning: ${why}`]]);
    // Second in a .pkl: the same warning.
    expect(scanOf('m.pkl', cat('N.', file))).toStrictEqual(['warning', W, [`warning: ${why.replace('offset 92', 'offset 94')}`]]);
  });

  it('both readings break: the loader\'s own reading is reported', () => {
    const file = cat(wrapper(f8x2), Buffer.alloc(16), '\xff');
    expect(scanOf('m.joblib', file)).toStrictEqual(['unsafe', W, ['unsafe: malformed pickle at offset 108: unknown opcode 0xff']]);
    expect(scanOf('m.pkl', file)).toStrictEqual(['unsafe', W, ['unsafe: malformed pickle at offset 92: unknown opcode 0x00']]);
    expect(scanOf('m.pkl', cat('N.', file))).toStrictEqual(['warning', W, ['warning: malformed pickle at offset 94: unknown opcode 0x00']]);
  });

  it('array data that cannot be sized is unsafe: the bytes after it would still be loaded', () => {
    const file = cat(wrapper(cat(uni('shape'), 'K\x02\x85')), '.');
    for (const name of ['m.joblib', 'm.pkl']) {
      expect(scanOf(name, file), name).toStrictEqual([
        'unsafe',
        ['joblib.numpy_pickle.NumpyArrayWrapper'],
        ['unsafe: joblib array data at offset 60 cannot be sized (dtype is not a constant numpy.dtype); the remaining 1 bytes were not scanned'],
      ]);
    }
  });

  it('in a .joblib, the plain reading counts unless joblib.load reads the stream cleanly and pickle.load does not', () => {
    const why = 'pickle.load reads this stream, but as joblib.load reads it: malformed pickle at offset 92: joblib array data (16 bytes) needs 16 bytes but only 12 remain';
    // Array bytes that are themselves a valid pickle tail: both readings are clean, and what pickle.load imports counts.
    const both = cat(wrapper(f8x2), 'cos\nsystem\nNNNNN', '.');
    for (const name of ['m.joblib', 'm.pkl']) expect(scanOf(name, both), name).toStrictEqual(['unsafe', [...W, 'os.system'], [`unsafe: imports os.system: ${OS}`]]);
    // joblib.load breaks (the array bytes are missing): pickle.load's imports count.
    expect(scanOf('m.joblib', cat(wrapper(f8x2), 'cos\nsystem\n.'))).toStrictEqual(['unsafe', [...W, 'os.system'], [`unsafe: imports os.system: ${OS}`, `unsafe: ${why}`]]);
    // joblib.load cannot size the array: pickle.load's imports count, though pickle.load breaks too.
    expect(scanOf('m.joblib', cat(wrapper(cat(uni('shape'), 'K\x02\x85')), 'cos\nsystem\n\xff'))).toStrictEqual([
      'unsafe',
      ['joblib.numpy_pickle.NumpyArrayWrapper', 'os.system'],
      [
        `unsafe: imports os.system: ${OS}`,
        'unsafe: joblib array data at offset 60 cannot be sized (dtype is not a constant numpy.dtype); the remaining 12 bytes were not scanned',
        PLAIN_BREAKS(71),
      ],
    ]);
  });

  it('a .joblib is read as joblib.load reads it even without arrays (BUILDs of unknown objects, integer syntax)', () => {
    const unknown = cat('\x80\x04cbuiltins\nlen\n', sbu('x'), '\x85Rcbuiltins\nint\n)RR}b0N.');
    const LEN = `warning: imports builtins.len: ${NOT_LISTED}`;
    expect(scanOf('m.joblib', unknown)).toStrictEqual([
      'unsafe',
      ['builtins.int', 'builtins.len'],
      [LEN, "unsafe: joblib array data at offset 40 cannot be sized (BUILD of an object whose class (unknown) might be joblib's NumpyArrayWrapper); the remaining 3 bytes were not scanned"],
    ]);
    expect(scanOf('m.pkl', unknown)).toStrictEqual(['warning', ['builtins.int', 'builtins.len'], [LEN]]);
    expect(scanOf('m.joblib', L('I1\x00\n.'))).toStrictEqual([
      'unsafe',
      [],
      ['unsafe: pickle.load reads this stream, but as joblib.load reads it: malformed pickle at offset 0: INT argument is not an integer (int() raises ValueError)'],
    ]);
    expect(scanOf('m.pkl', L('I1\x00\n.'))).toStrictEqual(['safe', [], []]);
  });

  it('the next pickle of a .pkl starts where joblib.load stopped', () => {
    const one = cat(wrapper(f8x2), Buffer.alloc(16), '.');
    expect(scanOf('m.pkl', cat(one, one, imports('os', 'system')))).toStrictEqual([
      'unsafe',
      [...W, 'os.system'],
      [PLAIN_BREAKS(92), PLAIN_BREAKS(201), `unsafe: imports os.system: ${OS}`],
    ]);
  });
});

describe('archives', () => {
  const evil = imports('os', 'system');

  it('every .pkl member is scanned (any case), one pickle each; other members only by their magic', () => {
    const z = makeZip([
      { name: 'archive/data.pkl', data: L('N.') },
      { name: 'archive/OTHER.PKL', data: cat(evil, 'tail') },
      { name: 'archive/data/0', data: evil },
      { name: 'archive/x.pkl.txt', data: evil },
    ]);
    expect(scanOf('m.pt', z)).toStrictEqual([
      'unsafe',
      ['os.system'],
      [`unsafe: archive/OTHER.PKL: imports os.system: ${OS}`, 'info: archive/OTHER.PKL: 4 bytes after the pickle (from offset 14) are not read by the loader and were not scanned'],
    ]);
  });

  it('.npy members are found by magic whatever their name; plain ones say nothing', () => {
    const z = makeZip([
      { name: 'weights', data: npy("'<f8'", Buffer.alloc(8)) },
      { name: 'objects.bin', data: npy("'|O'", evil), deflate: true },
      { name: 'notes.txt', data: L('hello') },
      { name: 'short', data: L('\x93NUM') },
    ]);
    expect(scanOf('m.npz', z)).toStrictEqual([
      'unsafe',
      ['os.system'],
      ['info: objects.bin: object array: numpy.load(allow_pickle=True) unpickles its data', `unsafe: objects.bin: imports os.system: ${OS}`],
    ]);
    expect(scanOf('m.npz', makeZip([{ name: 'a.npy', data: npy("'<f8'", Buffer.alloc(8)) }]))).toStrictEqual(['safe', [], []]);
    expect(scanOf('m.npz', makeZip([{ name: 'a.pkl', data: L('N.') }]))).toStrictEqual(['safe', [], []]);
  });

  it('a .pkl member is read as a pickle only, even when it starts like an .npy', () => {
    // 0x93 is STACK_GLOBAL: as a pickle, the document breaks at once.
    expect(scanOf('m.pt', makeZip([{ name: 'a.pkl', data: npy("'|O'", 'N.') }]))).toStrictEqual(['unsafe', [], ['unsafe: a.pkl: malformed pickle at offset 0: stack underflow in STACK_GLOBAL']]);
  });

  it('an archive with nothing a loader unpickles says so', () => {
    const none = 'info: ZIP archive without a .pkl or .npy member: nothing in it is unpickled';
    expect(scanOf('m.pt', makeZip([{ name: 'a.txt', data: evil }]))).toStrictEqual(['safe', [], [none]]);
    expect(findings(scanBuffer('m.npz', makeZip([{ name: 'a.txt', data: evil }, { name: 'b.npyx', data: L('NUMPY') }])))).toStrictEqual([none]);
  });

  it('a member that cannot be read is unsafe, named, and the rest are still scanned', () => {
    const z = makeZip([
      { name: 'bomb.pkl', data: Buffer.alloc(1000), deflate: true, declared: 10 },
      { name: 'b.npy', data: L('x'), deflate: true, declared: 1 },
      { name: 'ok.pkl', data: evil },
    ]);
    // b.npy's stream is fine but a 1-byte member has no NPY magic: it is raw bytes.
    expect(scanOf('m.pt', z)).toStrictEqual([
      'unsafe',
      ['os.system'],
      ['unsafe: bomb.pkl: cannot be scanned: malformed zip: member "bomb.pkl" inflates past its declared size', `unsafe: ok.pkl: imports os.system: ${OS}`],
    ]);
    const corrupt = makeZip([{ name: 'c.npy', data: L('\xff\xff\xff\xff'), method: 8 }]);
    expect(scanOf('m.npz', corrupt)).toStrictEqual([
      'unsafe',
      [],
      ['unsafe: c.npy: cannot be scanned: malformed zip: member "c.npy" does not inflate (invalid block type)', 'info: ZIP archive without a .pkl or .npy member: nothing in it is unpickled'],
    ]);
  });

  it('an object array whose member inflates to less than declared: the header is read, the pickle cannot be', () => {
    const doc = npy("'|O'", evil);
    const z = makeZip([{ name: 'o.npy', data: doc, deflate: true, declared: doc.length + 5 }]);
    const start = doc.length - evil.length;
    expect(scanOf('m.npz', z)).toStrictEqual([
      'unsafe',
      [],
      [
        'info: o.npy: object array: numpy.load(allow_pickle=True) unpickles its data',
        `unsafe: o.npy: cannot be scanned: malformed zip: member "o.npy" inflates to ${doc.length} bytes, not the declared ${doc.length + 5}`,
        expect.stringMatching(new RegExp(`^unsafe: o\\.npy: malformed pickle at offset ${start}: `)),
      ],
    ]);
  });

  it('an .npy member whose header cannot be inflated is unsafe twice: unreadable, and its header missing', () => {
    // A stored deflate block of 5,000 header bytes, then an invalid block: the magic reads, the whole header does not.
    const header = `{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }`.padEnd(7990, ' ') + '\n';
    const len = Buffer.alloc(2);
    len.writeUInt16LE(header.length);
    const doc = cat('\x93NUMPY\x01\x00', len, header, Buffer.alloc(8));
    const body = cat(Buffer.from([0x00, 0x88, 0x13, 0x77, 0xec]), doc.subarray(0, 5000), Buffer.alloc(20000, 0xff));
    const z = makeZip([{ name: 'w.npy', data: body, declared: doc.length, method: 8 }]);
    expect(scanOf('m.npz', z)).toStrictEqual([
      'unsafe',
      [],
      [
        'unsafe: w.npy: cannot be scanned: malformed zip: member "w.npy" does not inflate (invalid block type)',
        'unsafe: w.npy: malformed NPY header: header of 7991 bytes runs past the end of the data',
      ],
    ]);
  });

  it('a broken directory is one unsafe finding', () => {
    const z = makeZip([{ name: 'a.pkl', data: L('N.') }]);
    z.writeUInt16LE(3, z.length - 12);
    expect(scanOf('m.pt', z)).toStrictEqual(['unsafe', [], [`unsafe: malformed zip: 3 entries cannot fit in a 51-byte central directory`]]);
  });
});

describe('files read as pickles (.pkl, .joblib, ...)', () => {
  const evil = imports('os', 'system');

  it('a ZIP under a pickle name is read as torch.save writes it, and says so', () => {
    expect(scanOf('m.pkl', makeZip([{ name: 'archive/data.pkl', data: evil }]))).toStrictEqual([
      'unsafe',
      ['os.system'],
      ['info: a ZIP archive (torch.save writes these whatever the extension): scanning its .pkl members', `unsafe: archive/data.pkl: imports os.system: ${OS}`],
    ]);
  });

  it('gzip and zlib are decompressed once; the extension still decides how many pickles are read', () => {
    const GZ = 'info: gzip-compressed (as joblib.dump(compress=...) writes): scanned after decompressing';
    const ZL = 'info: zlib-compressed (as joblib.dump(compress=...) writes): scanned after decompressing';
    const two = cat('N.', evil);
    expect(scanOf('m.pkl', gzipSync(two))).toStrictEqual(['unsafe', ['os.system'], [GZ, `unsafe: imports os.system: ${OS}`]]);
    expect(scanOf('m.pkl', deflateSync(two))).toStrictEqual(['unsafe', ['os.system'], [ZL, `unsafe: imports os.system: ${OS}`]]);
    expect(scanOf('m.joblib', gzipSync(two))).toStrictEqual(['safe', [], [GZ, 'info: 14 bytes after the pickle (from offset 2) are not read by the loader and were not scanned']]);
    expect(scanOf('m.joblib.gz', deflateSync(two))).toStrictEqual(['safe', [], [ZL, 'info: 14 bytes after the pickle (from offset 2) are not read by the loader and were not scanned']]);
    // Compressed twice: the inner stream is not decompressed again, and is no pickle.
    expect(scanOf('m.pkl', gzipSync(gzipSync(evil)))).toStrictEqual(['unsafe', [], [GZ, 'unsafe: malformed pickle at offset 0: unknown opcode 0x1f']]);
    expect(scanOf('m.pkl', deflateSync(deflateSync(evil)))).toStrictEqual(['unsafe', [], [ZL, 'unsafe: malformed pickle at offset 0: unknown opcode 0x78']]);
  });

  it('compressed data that does not decompress is unsafe', () => {
    expect(scanOf('m.pkl', L('\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\xff'))).toStrictEqual(['unsafe', [], ['unsafe: gzip-compressed file does not decompress: invalid block type']]);
    expect(scanOf('m.pkl', L('\x78\x9c\xff\xff'))).toStrictEqual(['unsafe', [], ['unsafe: zlib-compressed file does not decompress: invalid block type']]);
  });

  it('a compressed file larger than the limit is refused unread; one that inflates past it too', () => {
    const saved = SCAN_LIMITS.maxDecompressed;
    try {
      // Incompressible bytes inside a BINBYTES: stored, the compressed file is larger than the pickle.
      const rand = prng(5);
      const data = Buffer.from(Array.from({ length: 3000 }, () => Math.floor(rand() * 256)));
      const pickle = cat('\x80\x02B', Buffer.from([0xb8, 0x0b, 0, 0]), data, '0', evil.subarray(2));
      const gz = gzipSync(pickle, { level: 0 });
      expect(gz.length).toBeGreaterThan(pickle.length);
      SCAN_LIMITS.maxDecompressed = gz.length;
      expect(scanOf('m.pkl', gz)[1]).toStrictEqual(['os.system']);
      SCAN_LIMITS.maxDecompressed = gz.length - 1;
      expect(scanOf('m.pkl', gz)).toStrictEqual(['unsafe', [], ['unsafe: gzip-compressed file too large to scan']]);
      const zl = deflateSync(pickle, { level: 0 });
      SCAN_LIMITS.maxDecompressed = zl.length;
      expect(scanOf('m.pkl', zl)[1]).toStrictEqual(['os.system']);
      SCAN_LIMITS.maxDecompressed = zl.length - 1;
      expect(scanOf('m.pkl', zl)).toStrictEqual(['unsafe', [], ['unsafe: zlib-compressed file too large to scan']]);
      // Zeros compress well: the output limit is what trips, and only past it.
      const zeros = cat('\x80\x02B', Buffer.from([0xb8, 0x0b, 0, 0]), Buffer.alloc(3000), '0', evil.subarray(2));
      SCAN_LIMITS.maxDecompressed = zeros.length;
      expect(scanOf('m.pkl', gzipSync(zeros))[1]).toStrictEqual(['os.system']);
      SCAN_LIMITS.maxDecompressed = zeros.length - 1;
      expect(scanOf('m.pkl', gzipSync(zeros))).toStrictEqual(['unsafe', [], [`unsafe: gzip-compressed file inflates past ${zeros.length - 1} bytes; not scanned`]]);
      expect(scanOf('m.pkl', deflateSync(zeros))).toStrictEqual(['unsafe', [], [`unsafe: zlib-compressed file inflates past ${zeros.length - 1} bytes; not scanned`]]);
    } finally {
      SCAN_LIMITS.maxDecompressed = saved;
    }
  });

  it('compressions mreg cannot decompress are unsafe, named', () => {
    const cases: [string, Buffer][] = [
      ['bz2', L('BZh91AY&SY\x00\x00')],
      ['xz', L('\xfd7zXZ\x00\x00')],
      ['lzma', L('\x5d\x00\x00\x80\x00')],
      ['lz4', L('\x04\x22\x4d\x18\x64')],
    ];
    for (const [kind, bytes] of cases) {
      expect(scanOf('m.pkl', bytes), kind).toStrictEqual(['unsafe', [], [`unsafe: ${kind}-compressed: mreg cannot decompress it, so the pickle inside was not scanned`]]);
    }
  });
});

describe('torch files (.pt, .pth, .bin, .ckpt)', () => {
  const evil = imports('os', 'system');
  const NOT_PICKLE = 'info: not a pickle-based format: neither a ZIP archive nor a pickle stream';
  const DAMAGED = 'warning: a pickle stream that breaks before importing anything (damaged, or not a pickle)';

  it('a ZIP is read without a note; a legacy tar is a warning', () => {
    expect(scanOf('m.pt', makeZip([{ name: 'archive/data.pkl', data: evil }]))).toStrictEqual(['unsafe', ['os.system'], [`unsafe: archive/data.pkl: imports os.system: ${OS}`]]);
    const tar = Buffer.alloc(1024);
    tar.write('sys_info', 0);
    tar.write('ustar', 257);
    expect(scanOf('m.pt', tar)).toStrictEqual(['warning', [], ['warning: a legacy tar-format torch.save file (before torch 0.4): its pickles were not scanned']]);
    expect(scanOf('m.pt', tar.subarray(0, 262))[2]).toStrictEqual(['warning: a legacy tar-format torch.save file (before torch 0.4): its pickles were not scanned']);
  });

  it('bytes that break the pickle grammar before importing anything: not a pickle, or a damaged one', () => {
    expect(scanOf('m.bin', L('GGUF\x03\x00'))).toStrictEqual(['safe', [], [`${NOT_PICKLE} (malformed pickle at offset 0: BINFLOAT needs 8 bytes but only 5 remain)`]]);
    // PROTO 2, then a broken opcode at offset 2: not damaged, at offset 3: damaged.
    expect(scanOf('m.bin', L('\x80\x02\xff'))).toStrictEqual(['safe', [], [`${NOT_PICKLE} (malformed pickle at offset 2: unknown opcode 0xff)`]]);
    expect(scanOf('m.bin', L('\x80\x02N\xff'))).toStrictEqual(['warning', [], [`${DAMAGED} (malformed pickle at offset 3: unknown opcode 0xff)`]]);
    // The highest protocol counts as a pickle; one past it does not.
    expect(scanOf('m.bin', L('\x80\x05N\xff'))).toStrictEqual(['warning', [], [`${DAMAGED} (malformed pickle at offset 3: unknown opcode 0xff)`]]);
    expect(scanOf('m.bin', L('\x80\x06N\xff'))).toStrictEqual(['safe', [], [`${NOT_PICKLE} (malformed pickle at offset 0: unsupported pickle protocol 6)`]]);
    // No PROTO at all (protocol 0): not damaged however far it gets.
    expect(scanOf('m.bin', L('NNNN\xff'))).toStrictEqual(['safe', [], [`${NOT_PICKLE} (malformed pickle at offset 4: unknown opcode 0xff)`]]);
    // A first pickle that ends cleanly, then a broken one: damaged.
    expect(scanOf('m.bin', L('N.\xff'))).toStrictEqual(['warning', [], [`${DAMAGED} (malformed pickle at offset 2: unknown opcode 0xff)`]]);
  });

  it('a stream that imports, or calls an EXT global, or has an unsafe issue is read as torch.load would', () => {
    expect(scanOf('m.bin', cat(evil.subarray(0, evil.length - 1), '\xff'))).toStrictEqual([
      'unsafe',
      ['os.system'],
      [`unsafe: imports os.system: ${OS}`, 'unsafe: malformed pickle at offset 13: unknown opcode 0xff'],
    ]);
    const EXT = 'warning: EXT opcode imports whatever global the loading process registered as extension code 1 (copyreg); it cannot be resolved statically';
    // Each kind of call on an EXT global, then a break: read as a pickle (unsafe), not dismissed as damaged.
    for (const [label, body] of [
      ['REDUCE', ')R'],
      ['BUILD', '}b'],
      ['NEWOBJ', ')\x81'],
      ['PERSID', 'Pfoo\n'],
    ] as const) {
      const s = scanOf('m.bin', cat('\x80\x02\x82\x01', body, '\xff'));
      expect(s[0], label).toBe('unsafe');
      expect(s[2][0], label).toBe(EXT);
      expect(s[2].at(-1), label).toMatch(/^unsafe: malformed pickle at offset \d+: unknown opcode 0xff$/);
    }
    const obj = scanOf('m.bin', L('\x80\x02(\x82\x01o\xff'));
    expect(obj[0]).toBe('unsafe');
    const newobjEx = scanOf('m.bin', L('\x80\x04\x82\x01)}\x92\xff'));
    expect(newobjEx[0]).toBe('unsafe');
    // Calls without an EXT or an import call nothing that could run code: damaged, not unsafe.
    expect(scanOf('m.bin', L('\x80\x02N)R\xff'))).toStrictEqual(['warning', [], [`${DAMAGED} (malformed pickle at offset 5: unknown opcode 0xff)`]]);
    // An EXT global never called: damaged, not unsafe.
    expect(scanOf('m.bin', L('\x80\x02\x82\x01\xff'))).toStrictEqual(['warning', [], [`${DAMAGED} (malformed pickle at offset 4: unknown opcode 0xff)`]]);
    // An unsafe issue without any import (a STACK_GLOBAL of bytes operands).
    const s = scanOf('m.bin', cat('\x80\x04C\x02os', sbu('system'), '\x93\xff'));
    expect(s[0]).toBe('unsafe');
    expect(s[2].at(-1)).toMatch(/^unsafe: malformed pickle at offset \d+: unknown opcode 0xff$/);
  });

  it('a pickle that breaks after an import is unsafe, first or later in the file', () => {
    const od = imports('collections', 'OrderedDict');
    const OD = ['collections.OrderedDict'];
    expect(scanOf('m.pt', cat(od, '\xff'))).toStrictEqual(['unsafe', OD, ['unsafe: malformed pickle at offset 28: unknown opcode 0xff']]);
    expect(scanOf('m.pt', cat(od, 'N.\xff'))).toStrictEqual(['unsafe', OD, ['unsafe: malformed pickle at offset 30: unknown opcode 0xff']]);
    expect(scanOf('blob', cat(od, '\xff'))).toStrictEqual([
      'unsafe',
      OD,
      ['info: a pickle stream whatever the extension (torch.load would unpickle it)', 'unsafe: malformed pickle at offset 28: unknown opcode 0xff'],
    ]);
  });

  it('after five clean pickles, whatever follows is storage bytes, even bytes that are no pickle', () => {
    expect(scanOf('m.pt', L('N.N.N.N.N.\xff'))).toStrictEqual(['safe', [], []]);
    expect(scanOf('m.pt', L('N.N.N.N.\xff'))).toStrictEqual(['warning', [], ['warning: a pickle stream that breaks before importing anything (damaged, or not a pickle) (malformed pickle at offset 8: unknown opcode 0xff)']]);
  });

  it('a clean pickle is read in full; five at most', () => {
    expect(scanOf('m.ckpt', L('N.'))).toStrictEqual(['safe', [], []]);
    expect(scanOf('m.pth', cat('N.N.', evil))).toStrictEqual(['unsafe', ['os.system'], [`unsafe: imports os.system: ${OS}`]]);
    expect(scanOf('m.pth', cat('N.N.N.N.N.', evil))).toStrictEqual(['safe', [], []]);
  });
});

describe('numpy files (.npy, .npz)', () => {
  const evil = imports('os', 'system');
  it('a ZIP is read without a note, an .npy by its header, anything else as the pickle numpy.load would unpickle', () => {
    expect(scanOf('m.npz', makeZip([{ name: 'a.npy', data: npy("'|O'", evil) }]))).toStrictEqual([
      'unsafe',
      ['os.system'],
      ['info: a.npy: object array: numpy.load(allow_pickle=True) unpickles its data', `unsafe: a.npy: imports os.system: ${OS}`],
    ]);
    expect(scanOf('m.npy', npy("'|O'", evil))).toStrictEqual([
      'unsafe',
      ['os.system'],
      ['info: object array: numpy.load(allow_pickle=True) unpickles its data', `unsafe: imports os.system: ${OS}`],
    ]);
    expect(scanOf('m.npy', cat(evil, 'more'))).toStrictEqual([
      'unsafe',
      ['os.system'],
      [
        'info: neither an .npy nor an .npz: numpy.load(allow_pickle=True) would unpickle it',
        `unsafe: imports os.system: ${OS}`,
        'info: 4 bytes after the pickle (from offset 14) are not read by the loader and were not scanned',
      ],
    ]);
  });
});

describe('files decided by their bytes', () => {
  const evil = imports('os', 'system');
  const NOT = 'info: not a pickle-based format';

  it('a ZIP or an .npy under any name', () => {
    expect(scanOf('blob', makeZip([{ name: 'x.pkl', data: evil }]))).toStrictEqual([
      'unsafe',
      ['os.system'],
      ['info: a ZIP archive (torch.load and numpy.load read these whatever the extension): scanning its .pkl and .npy members', `unsafe: x.pkl: imports os.system: ${OS}`],
    ]);
    expect(scanOf('blob', npy("'|O'", evil))[2]).toStrictEqual(['info: object array: numpy.load(allow_pickle=True) unpickles its data', `unsafe: imports os.system: ${OS}`]);
    expect(scanOf('blob', npy("'<f8'", Buffer.alloc(8)))).toStrictEqual(['safe', [], []]);
  });

  it('compressed: inflated only when it starts with a pickle protocol mreg reads', () => {
    const C = 'info: not a pickle-based format (compressed data that does not start with a pickle)';
    expect(scanOf('blob', gzipSync(evil))).toStrictEqual(['unsafe', ['os.system'], ['info: gzip-compressed (as joblib.dump(compress=...) writes): scanned after decompressing', `unsafe: imports os.system: ${OS}`]]);
    expect(scanOf('blob', deflateSync(evil))).toStrictEqual(['unsafe', ['os.system'], ['info: zlib-compressed (as joblib.dump(compress=...) writes): scanned after decompressing', `unsafe: imports os.system: ${OS}`]]);
    // Read as a .pkl: every pickle back to back.
    expect(scanOf('blob', gzipSync(cat('\x80\x02N.', evil)))[1]).toStrictEqual(['os.system']);
    expect(scanOf('blob', gzipSync(L('\x80\x05N.')))).toStrictEqual(['safe', [], ['info: gzip-compressed (as joblib.dump(compress=...) writes): scanned after decompressing']]);
    // Two bytes are enough to decide: the stream is then read (and found broken) as a pickle.
    expect(scanOf('blob', gzipSync(L('\x80\x05')))).toStrictEqual([
      'unsafe',
      [],
      ['info: gzip-compressed (as joblib.dump(compress=...) writes): scanned after decompressing', expect.stringMatching(/^unsafe: malformed pickle at offset 2: /)],
    ]);
    for (const data of ['\x80\x06N.', '\x80', '\x81\x02N.', 'A\x02A', 'hello']) expect(scanOf('blob', gzipSync(L(data))), JSON.stringify(data)).toStrictEqual(['safe', [], [C]]);
    expect(scanOf('blob', L('\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\xff'))).toStrictEqual(['safe', [], [C]]);
  });

  it('a tar archive: a legacy torch file by its first member\'s name, otherwise not a pickle', () => {
    const tar = (first: string): Buffer => {
      const t = Buffer.alloc(1024);
      t.write(first, 0, 'latin1');
      t.write('ustar', 257);
      return t;
    };
    for (const name of ['sys_info', 'pickle', 'storages', 'tensors']) {
      expect(scanOf('blob', tar(name)), name).toStrictEqual(['warning', [], ['warning: a legacy tar-format torch.save file (before torch 0.4): its pickles were not scanned']]);
    }
    for (const name of ['sys_info2', 'data', 'pickle/x', 'tensor', 'Pickle']) {
      expect(scanOf('blob', tar(name)), name).toStrictEqual(['safe', [], ['info: not a pickle-based format (a tar archive)']]);
    }
    // The name ends at its first NUL; what follows it in the 100-byte field does not count.
    const t = tar('pickle');
    t.write('junk', 20);
    expect(scanOf('blob', t)[0]).toBe('warning');
    // The name field is 100 bytes: a 101st byte is not part of it.
    const full = tar('');
    full.write('p'.repeat(100), 0);
    full.write('pickle', 100);
    expect(scanOf('blob', full)[2]).toStrictEqual(['info: not a pickle-based format (a tar archive)']);
  });

  it('other bytes are a pickle only when they import something importable, have an unsafe issue or an EXT', () => {
    expect(scanOf('blob', evil)).toStrictEqual(['unsafe', ['os.system'], ['info: a pickle stream whatever the extension (torch.load would unpickle it)', `unsafe: imports os.system: ${OS}`]]);
    expect(scanOf('blob', Buffer.from('cmy_mod.sub2\nÉtat_1\n.', 'utf8'))).toStrictEqual([
      'warning',
      ['my_mod.sub2.État_1'],
      ['info: a pickle stream whatever the extension (torch.load would unpickle it)', `warning: imports my_mod.sub2.État_1: ${NOT_LISTED}`],
    ]);
    // Names nothing can import: text that happens to start with an opcode letter.
    for (const text of ['cat food\nis good\n.', 'c1abc\nx\n.', 'cabc\n1x\n.', 'ca b\nx\n.', 'cab.\nx\n.', 'c.ab\nx\n.', 'ca..b\nx\n.', 'cab\nx y\n.', 'cab\n\n.', 'c\nab\n.']) {
      expect(scanOf('blob', L(text)), JSON.stringify(text)).toStrictEqual(['safe', [], [NOT]]);
    }
    // One importable global among unimportable ones is enough.
    expect(scanOf('blob', L('c1x\ny\ncos\nsystem\n.'))[0]).toBe('unsafe');
    expect(scanOf('blob', L('\x80\x02\x82\x01.'))).toStrictEqual([
      'warning',
      [],
      [
        'info: a pickle stream whatever the extension (torch.load would unpickle it)',
        'warning: EXT opcode imports whatever global the loading process registered as extension code 1 (copyreg); it cannot be resolved statically',
      ],
    ]);
    const s = scanOf('blob', cat('\x80\x04C\x02os', sbu('system'), '\x93.'));
    expect(s[0]).toBe('unsafe');
    expect(s[2][0]).toBe('info: a pickle stream whatever the extension (torch.load would unpickle it)');
    expect(scanOf('blob', L('N.'))).toStrictEqual(['safe', [], [NOT]]);
    // An info issue (the memo outgrew its limit) is no sign of a pickle either.
    const saved = PICKLE_LIMITS.maxMemo;
    try {
      PICKLE_LIMITS.maxMemo = 2;
      expect(scanOf('blob', L('\x80\x02Nq\x00q\x01q\x02.'))).toStrictEqual(['safe', [], [NOT]]);
    } finally {
      PICKLE_LIMITS.maxMemo = saved;
    }
    // A pickle whatever the extension: up to five pickles read, then storage bytes.
    expect(scanOf('blob', cat(imports('collections', 'OrderedDict'), 'N.N.N.N.', evil))).toStrictEqual([
      'safe',
      ['collections.OrderedDict'],
      ['info: a pickle stream whatever the extension (torch.load would unpickle it)'],
    ]);
  });
});
