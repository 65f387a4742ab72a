// The pending change file format: what mreg writes reads back, and hostile files fail naming the file.
import { describe, expect, it } from 'vitest';
import { MregError } from '../../src/errors.js';
import { checkSummary, MAX_CHANGE_BYTES, parseChangeFile, renderChangeFile } from '../../src/core/versioning/change-file.js';

const LABEL = 'changes/x-1a2b3c.md';
const parse = (text: string | Buffer) => parseChangeFile(typeof text === 'string' ? Buffer.from(text) : text, LABEL);

function failure(text: string | Buffer): MregError {
  try {
    parse(text);
  } catch (err) {
    expect(err).toBeInstanceOf(MregError);
    expect((err as MregError).code).toBe('INVALID_INPUT');
    expect((err as MregError).message.startsWith(`${LABEL}`)).toBe(true);
    return err as MregError;
  }
  throw new Error(`parsed: ${String(text).slice(0, 100)}`);
}

describe('change files', () => {
  it('are readable Markdown with front matter, and read back to what was written', () => {
    const declaration = { models: { fraud: 'minor' as const, churn: 'major' as const, '1.0': 'patch' as const, true: 'patch' as const }, summary: 'Add the *age* input\n\nMore detail:\n---\nafter a rule' };
    const text = renderChangeFile(declaration);
    expect(text.startsWith('---\nfraud: minor\nchurn: major\n')).toBe(true);
    expect(text).toContain('\n---\n\nAdd the *age* input\n');
    expect(parse(text)).toStrictEqual(declaration);
  });

  it('accept what editors and git do to text: CRLF line ends, a BOM, a closing --- at the end of the file without a body newline', () => {
    expect(parse('\uFEFF---\r\nfraud: patch\r\n---\r\n\r\nFix the scaler\r\n')).toStrictEqual({ models: { fraud: 'patch' }, summary: 'Fix the scaler' });
    expect(parse("---\n'fraud': major\n---\nBreaking")).toStrictEqual({ models: { fraud: 'major' }, summary: 'Breaking' });
  });

  const hostile: [string, string | Buffer, RegExp][] = [
    ['no front matter', 'fraud: minor\n', /expected YAML front matter/],
    ['an unclosed front matter', '---\nfraud: minor\nsummary\n', /no closing '---'/],
    ['a list instead of a mapping', '---\n- fraud\n---\nx\n', /must map model names/],
    ['an empty front matter', '---\n---\nx\n', /must map model names/],
    ['an empty mapping', '---\n{}\n---\nx\n', /names no model/],
    ['an unknown type', '---\nfraud: huge\n---\nx\n', /fraud: expected major, minor or patch, not "huge"/],
    ['a nested type', '---\nfraud: {type: minor}\n---\nx\n', /fraud: expected major, minor or patch/],
    ['a bad model name', '---\n../etc: minor\n---\nx\n', /invalid model name "\.\.\/etc"/],
    ['an upper-case model name', '---\nFraud: minor\n---\nx\n', /invalid model name "Fraud"/],
    ['a duplicate key, with the line in the file', '---\nfraud: minor\nfraud: major\n---\nx\n', /^changes\/x-1a2b3c\.md:3: .*unique/],
    ['a YAML alias', '---\na: &t minor\nb: *t\n---\nx\n', /alias/i],
    ['an empty summary', '---\nfraud: minor\n---\n\n  \n', /the summary is empty/],
    ['control characters in the summary', '---\nfraud: minor\n---\nbad \u001b[31m red\n', /control characters/],
    ['invalid UTF-8', Buffer.concat([Buffer.from('---\nfraud: minor\n---\n'), Buffer.from([0xff, 0xfe, 0x00])]), /not UTF-8/],
    ['a file over the size cap', `---\nfraud: minor\n---\n${'x'.repeat(MAX_CHANGE_BYTES)}`, /larger than 65536 bytes/],
    ['a summary over the length cap', `---\nfraud: minor\n---\n${'x'.repeat(10_001)}`, /longer than 10000 characters/],
  ];
  it.each(hostile)('refuse %s, naming the file', (_what, text, message) => {
    expect(failure(text).message).toMatch(message);
  });

  it('check a summary from the command line the same way', () => {
    expect(checkSummary('  Add the age input \r\n')).toBe('Add the age input');
    expect(() => checkSummary('   ')).toThrow(/-m: the summary is empty; say what changed/);
    expect(() => checkSummary('a\u0000b')).toThrow(/control characters/);
  });
});
