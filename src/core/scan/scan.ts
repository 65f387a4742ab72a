// Decides whether loading a model file would run code, without loading it: reads each pickle the file's loader
// would run (in a pickle, a PyTorch ZIP or legacy stream, an .npy/.npz, a joblib dump) and judges each import.

import { open, stat } from 'node:fs/promises';
import { constants as fsConstants, readSync, type Stats } from 'node:fs';
import { constants as zlibConstants, gunzipSync, inflateSync } from 'node:zlib';
import { MregError, toMregError } from '../../errors.js';
import { head, isGzip, isTar, isZlib, NPY_MAGIC, pickleKindOf, PK_LOCAL, startsWith, UNREAD_COMPRESSIONS } from './kinds.js';
import { dtypeKind, parsePyLiteral, type PyLiteral } from './npy.js';
import { bytesSource, disassemblePickle, HIGHEST_PROTOCOL, type ByteSource, type PickleDisassembly, type PickleIssue } from './pickle.js';
import { classifyGlobal, type ScanStatus } from './policy.js';
import { isEscapingName, openZipMember, readZipDirectory, readZipMemberPrefix, type ZipEntry } from './zip.js';

export type { ScanStatus } from './policy.js';
export type Severity = 'unsafe' | 'warning' | 'info';

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
// Limits and reports.

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

/** What a path that is not a regular file is, in words. */
function specialKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
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
// .npy: a header holding a Python literal (read in npy.ts); object arrays keep a pickle after it.

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

/**
 * Any ZIP archive, whatever its name: torch.load and numpy.load both ignore the extension. torch.save since
 * 1.6 writes a ZIP whose `<archive>/data.pkl` is the pickle torch.load runs (every .pkl member is scanned);
 * numpy.savez writes a ZIP of .npy documents, and numpy.load decides by each member's magic, not its name.
 */
function scanZip(src: ByteSource, report: Report): void {
  const entries = readDirectory(src, '', report);
  if (entries === null) return;
  const isPickle = (e: ZipEntry): boolean => e.name.toLowerCase().endsWith('.pkl');
  for (const entry of entries.filter(isPickle)) {
    const member = withMember(entry, report, () => openZipMember(src, entry));
    if (member !== null) scanPickleStream(member, 0, entry.name, 'one', report);
  }
  let npy = 0;
  for (const entry of entries.filter((e) => !isPickle(e))) {
    const magic = withMember(entry, report, () => readZipMemberPrefix(src, entry, NPY_MAGIC.length));
    if (magic === null || !startsWith(magic, NPY_MAGIC)) continue; // returned as raw bytes, never unpickled
    npy++;
    scanNpy(
      (n) => withMember(entry, report, () => readZipMemberPrefix(src, entry, n)) ?? new Uint8Array(0),
      () => withMember(entry, report, () => openZipMember(src, entry)) ?? bytesSource(new Uint8Array(0)),
      entry.name,
      report,
    );
  }
  if (npy === 0 && !entries.some(isPickle)) report.add('info', '', 'ZIP archive without a .pkl or .npy member: nothing in it is unpickled');
}

// ---------------------------------------------------------------------------------------------
// Dispatch.

/** A pickle file, possibly compressed whole the way joblib.dump(compress=…) writes it. */
function scanPickleFile(src: ByteSource, ext: string, report: Report, depth = 0): void {
  const b = head(src, 16);
  if (startsWith(b, PK_LOCAL)) {
    report.add('info', '', 'a ZIP archive (torch.save writes these whatever the extension): scanning its .pkl members');
    return scanZip(src, report);
  }
  const gzip = isGzip(b);
  if ((isZlib(b) || gzip) && depth === 0) {
    const kind = gzip ? 'gzip' : 'zlib';
    const inflated = inflateWhole(src, gzip);
    if (inflated.tooLarge === 'input') return report.add('unsafe', '', `${kind}-compressed file too large to scan`);
    if (inflated.tooLarge === 'output') return report.add('unsafe', '', `${kind}-compressed file inflates past ${SCAN_LIMITS.maxDecompressed} bytes; not scanned`);
    if (inflated.bytes === undefined) return report.add('unsafe', '', `${kind}-compressed file does not decompress: ${inflated.error}`);
    return scanInflatedPickle(inflated.bytes, kind, ext, report);
  }
  const compressed = UNREAD_COMPRESSIONS.find((c) => c.test(b));
  if (compressed !== undefined) {
    return report.add('unsafe', '', `${compressed.name}-compressed: mreg cannot decompress it, so the pickle inside was not scanned`);
  }
  // joblib.load reads exactly one pickle; a plain .pkl may hold several back to back.
  if (ext === '.joblib') scanPickleStream(src, 0, '', 'one', report, true);
  else scanPickleStream(src, 0, '', 'all', report);
}

/** The pickle inside a gzip or zlib file, already inflated (once: it may be up to SCAN_LIMITS.maxDecompressed). */
function scanInflatedPickle(bytes: Buffer, kind: string, ext: string, report: Report): void {
  report.add('info', '', `${kind}-compressed (as joblib.dump(compress=...) writes): scanned after decompressing`);
  scanPickleFile(bytesSource(bytes), ext, report, 1);
}

function scanTorchFile(src: ByteSource, report: Report): void {
  const b = head(src, 264);
  if (startsWith(b, PK_LOCAL)) return scanZip(src, report);
  if (isTar(b)) {
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
  if (startsWith(b, PK_LOCAL)) return scanZip(src, report);
  if (startsWith(b, NPY_MAGIC)) return scanNpy((n) => head(src, n), () => src, '', report);
  // numpy.load(allow_pickle=True) unpickles any file that is neither a ZIP nor an .npy.
  report.add('info', '', 'neither an .npy nor an .npz: numpy.load(allow_pickle=True) would unpickle it');
  scanPickleStream(src, 0, '', 'one', report);
}

/** A name Python can import or look up: dotted identifiers (a text line such as "lass Foo:" is not one). */
const IMPORTABLE = /^[\p{L}_][\p{L}\p{N}_]*(\.[\p{L}_][\p{L}\p{N}_]*)*$/u;

/** The first bytes of a gzip or zlib stream; 32 more input bytes inflate to at most ~33 KiB, so the cap never trips. */
function inflatedHead(src: ByteSource, gzip: boolean): Uint8Array {
  const options = { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: 64 * 1024 };
  for (let n = 32; ; n += 32) {
    let out: Uint8Array;
    try { out = gzip ? gunzipSync(head(src, n), options) : inflateSync(head(src, n), options); } catch { return new Uint8Array(0); }
    // Two bytes tell a pickle (PROTO and its version); a corrupt stream throws, a short prefix gives less.
    if (out.length >= 2 || n >= Math.min(src.size, 64 * 1024)) return out;
  }
}

/** The names of the first members torch.save wrote into its legacy tar format (before torch 0.4). */
const TORCH_TAR_MEMBERS = new Set(['sys_info', 'pickle', 'storages', 'tensors']);

/** A stream that stops cleanly without importing anything ("G" + 8 bytes + "." in a text file) is harmless data. */
function importsOrRunsCode(probe: PickleDisassembly): boolean {
  return probe.globals.some((g) => IMPORTABLE.test(g.module) && IMPORTABLE.test(g.name)) || probe.issues.some((i) => i.severity === 'unsafe') || probe.counts.EXT > 0;
}

/** The whole of a gzip or zlib stream, within SCAN_LIMITS.maxDecompressed (of input and of output). */
function inflateWhole(src: ByteSource, gzip: boolean): { bytes?: Buffer; tooLarge?: 'input' | 'output'; error?: string } {
  if (src.size > SCAN_LIMITS.maxDecompressed) return { tooLarge: 'input' };
  try {
    const options = { maxOutputLength: SCAN_LIMITS.maxDecompressed };
    return { bytes: gzip ? gunzipSync(src.read(0, src.size), options) : inflateSync(src.read(0, src.size), options) };
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? { tooLarge: 'output' } : { error: (err as Error).message };
  }
}

/**
 * A file whose name says nothing: decided by its bytes, as torch.load, numpy.load and joblib.load decide
 * (a torch checkpoint saved as checkpoint.pth.tar is a ZIP with a data.pkl all the same).
 */
function scanByContent(src: ByteSource, report: Report): void {
  const b = head(src, 264);
  if (startsWith(b, PK_LOCAL)) {
    report.add('info', '', 'a ZIP archive (torch.load and numpy.load read these whatever the extension): scanning its .pkl and .npy members');
    return scanZip(src, report);
  }
  if (startsWith(b, NPY_MAGIC)) return scanNpy((n) => head(src, n), () => src, '', report);
  if (isGzip(b) || isZlib(b)) {
    const gzip = isGzip(b);
    const inflated = inflatedHead(src, gzip);
    // joblib.load sniffs compression whatever the name. The first bytes name a pickle even past the inflate limit.
    if (inflated.length >= 2 && inflated[0] === 0x80 && (inflated[1] as number) <= HIGHEST_PROTOCOL) return scanPickleFile(src, '', report);
    // A protocol 0 or 1 pickle has no PROTO byte: the whole stream is judged as uncompressed bytes are.
    const whole = inflateWhole(src, gzip);
    if (whole.tooLarge) return report.add('warning', '', `compressed data that inflates past ${SCAN_LIMITS.maxDecompressed} bytes: not checked for a pickle`);
    if (whole.bytes && importsOrRunsCode(disassemblePickle(bytesSource(whole.bytes), { offset: 0 }))) return scanInflatedPickle(whole.bytes, gzip ? 'gzip' : 'zlib', '', report);
    return report.add('info', '', 'not a pickle-based format (compressed data that does not start with a pickle)');
  }
  if (isTar(b)) {
    const first = new TextDecoder('latin1').decode(b.subarray(0, 100)).replace(/\0.*$/s, '');
    if (TORCH_TAR_MEMBERS.has(first)) return report.add('warning', '', 'a legacy tar-format torch.save file (before torch 0.4): its pickles were not scanned');
    return report.add('info', '', 'not a pickle-based format (a tar archive)');
  }
  // Any other bytes: torch.load would unpickle them. A stream that breaks the pickle grammar before it
  // obtains a callable fails to load before code could run; one that imports something importable is a
  // pickle (a text file that happens to start with an opcode names no importable module).
  if (!importsOrRunsCode(disassemblePickle(src, { offset: 0 }))) return report.add('info', '', 'not a pickle-based format');
  report.add('info', '', 'a pickle stream whatever the extension (torch.load would unpickle it)');
  scanPickleStream(src, 0, '', 'torch-legacy', report);
}

/**
 * Scans bytes from any source. `name` picks the reader by its extension (the loader a model file of that
 * kind is opened with) and names the result; a file whose extension names no pickle loader is judged by
 * its content.
 */
export function scanSource(name: string, src: ByteSource): FileScan {
  const report = new Report();
  const kind = pickleKindOf(name);
  // No loader reads anything from an empty file (pickle.load raises EOFError before any opcode).
  if (src.size === 0) report.add('info', '', 'empty file: nothing to load');
  else if (kind?.loader === 'pickle') scanPickleFile(src, kind.extension, report);
  else if (kind?.loader === 'torch') scanTorchFile(src, report);
  else if (kind?.loader === 'numpy') scanNumpyFile(src, report);
  else scanByContent(src, report);
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
  const notRegular = (st: Stats): MregError =>
    new MregError('INVALID_INPUT', `${printable(path)}: ${specialKind(st)}; only regular files are scanned`, { data: { path } });
  // Stat before opening: opening a FIFO for reading blocks until a writer comes, and a device never ends.
  const before = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new MregError('NOT_FOUND', `no such file: ${printable(path)}`, { data: { path } });
    throw toMregError(err);
  });
  if (!before.isFile()) throw notRegular(before);
  let handle;
  try {
    // O_NONBLOCK: if the path was swapped for a FIFO since the stat, the open returns at once instead of blocking.
    handle = await open(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new MregError('NOT_FOUND', `no such file: ${printable(path)}`, { data: { path } });
    throw toMregError(err);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw notRegular(stat);
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
