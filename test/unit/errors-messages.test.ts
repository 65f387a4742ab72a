// Messages about inputs name them briefly, and a full disk says so (issue 16, point 16).
import { describe, expect, it } from 'vitest';
import { quoteInput, toMregError } from '../../src/errors.js';

describe('error messages', () => {
  it('quote long input cut short with its length, and control characters escaped', () => {
    expect(quoteInput('m@1.0.0')).toBe('"m@1.0.0"');
    const long = quoteInput('x'.repeat(40_000));
    expect(long.length).toBeLessThan(120);
    expect(long).toMatch(/^"x{80}"\.\.\. \(40000 characters\)$/);
    expect(quoteInput('a\u001b[2Jb')).toBe('"a\\u001b[2Jb"');
  });

  it('a full disk is an IO error that says so, with the path when the system call has one', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    expect(toMregError(enospc).message).toBe('write: ENOSPC (no space left on the device)');
    const withPath = Object.assign(new Error('x'), { code: 'ENOSPC', syscall: 'open', path: '/store/tmp/x' });
    expect(toMregError(withPath)).toMatchObject({ code: 'IO', message: 'open /store/tmp/x: ENOSPC (no space left on the device)' });
  });
});
