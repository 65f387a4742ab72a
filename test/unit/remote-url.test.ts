// Remote URLs and the remotes: section of config.yaml, table-driven: what is accepted, what is
// refused and with which words (config.yaml may come from any commit, so it is hostile input too).
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config/config.js';
import { absoluteRemoteUrl, defaultRemote, parseRemoteUrl } from '../../src/core/config/remotes.js';

describe('parseRemoteUrl', () => {
  it.each([
    ['s3://bucket', { kind: 's3', bucket: 'bucket', prefix: '' }],
    ['s3://bucket/', { kind: 's3', bucket: 'bucket', prefix: '' }],
    ['s3://my.bucket-1/team/models', { kind: 's3', bucket: 'my.bucket-1', prefix: 'team/models/' }],
    ['s3://bucket/team/', { kind: 's3', bucket: 'bucket', prefix: 'team/' }],
    ['/mnt/share/models', { kind: 'dir', path: '/mnt/share/models' }],
    ['/mnt/share/models/', { kind: 'dir', path: '/mnt/share/models' }],
    ['/mnt/share/../share/models', { kind: 'dir', path: '/mnt/share/models' }],
    ['file:///mnt/share', { kind: 'dir', path: '/mnt/share' }],
    ['file:///mnt/with%20space', { kind: 'dir', path: '/mnt/with space' }],
  ])('accepts %s', (url, location) => {
    expect(parseRemoteUrl(url)).toStrictEqual({ location });
  });

  it.each([
    ['', /is empty/],
    ['s3://', /invalid bucket name/],
    ['s3://UPPER/x', /invalid bucket name/],
    ['s3://ab/x', /invalid bucket name/],
    ['s3://a..b/x', /invalid bucket name/],
    ['s3://bucket/../etc', /empty, "\." or "\.\." segment/],
    ['s3://bucket/a//b', /empty, "\." or "\.\." segment/],
    ['s3://bucket/./a', /empty, "\." or "\.\." segment/],
    [`s3://bucket/${'p'.repeat(600)}`, /prefix longer than 512/],
    ['s3://bucket/a\u0000b', /control character/],
    ['s3://bucket/a\\b', /backslash/],
    ['relative/dir', /relative path/],
    ['./dir', /relative path/],
    ['http://example.com/x', /unsupported scheme/],
    ['gs://bucket/x', /unsupported scheme/],
    ['file://host/share', /not a valid file:\/\/ URL/],
  ])('refuses %j', (url, problem) => {
    const parsed = parseRemoteUrl(url);
    expect('problem' in parsed && parsed.problem).toMatch(problem);
  });

  it('makes a directory given on the command line absolute, and leaves URLs alone', () => {
    expect(absoluteRemoteUrl('share', '/work/p')).toBe('/work/p/share');
    expect(absoluteRemoteUrl('../share', '/work/p')).toBe('/work/share');
    expect(absoluteRemoteUrl('s3://b/x', '/work/p')).toBe('s3://b/x');
    expect(absoluteRemoteUrl('file:///x', '/work/p')).toBe('file:///x');
    expect(absoluteRemoteUrl('/abs', '/work/p')).toBe('/abs');
  });
});

describe('remotes: in config.yaml', () => {
  const config = (remotes: unknown) => parseConfig({ format: 1, remotes });

  it('reads remotes, and picks the default one (or the only one)', () => {
    const parsed = config({ origin: { url: 's3://bucket/x', endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1' }, share: { url: '/mnt/m', default: true } });
    expect(parsed.remotes.origin).toStrictEqual({ name: 'origin', url: 's3://bucket/x', endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1', default: false });
    expect(defaultRemote(parsed.remotes)?.name).toBe('share');
    expect(defaultRemote(config({ only: { url: '/m' } }).remotes)?.name).toBe('only');
    expect(defaultRemote(config({ a: { url: '/a' }, b: { url: '/b' } }).remotes)).toBeUndefined();
    expect(parseConfig({ format: 1 }).remotes).toEqual({}); // prototype-free: a remote named "constructor" finds nothing
  });

  it.each([
    [{ 'Bad/Name': { url: '/m' } }, /remotes\.Bad\/Name: invalid remote name: it contains a slash/],
    [{ '..': { url: '/m' } }, /remotes\.\.\.: invalid remote name/],
    [{ con: { url: '/m' } }, /remotes\.con: invalid remote name: it is a reserved device name/],
    [{ [`r${'x'.repeat(200)}`]: { url: '/m' } }, /invalid remote name: it is longer than 100/],
    [{ origin: {} }, /remotes\.origin\.url: expected a string/],
    [{ origin: { url: 'rel' } }, /remotes\.origin\.url: "rel" is a relative path/],
    [{ origin: { url: '/m', password: 'x' } }, /remotes\.origin\.password: unknown key/],
    [{ origin: { url: '/m', endpoint: 'http://h' } }, /remotes\.origin\.endpoint: only an s3:\/\/ remote takes an endpoint/],
    [{ origin: { url: 's3://bucket', endpoint: 'ftp://h' } }, /remotes\.origin\.endpoint: must be an http/],
    [{ origin: { url: 's3://bucket', endpoint: 'https://key:secret@h' } }, /must not hold credentials/],
    [{ origin: { url: 's3://bucket', region: 'US EAST' } }, /remotes\.origin\.region: expected a region name/],
    [{ origin: { url: '/m', default: 'yes' } }, /remotes\.origin\.default: expected true or false/],
    [{ a: { url: '/a', default: true }, b: { url: '/b', default: true } }, /remotes\.b\.default: another remote is already the default/],
    ['s3://bucket', /remotes: expected a mapping/],
  ])('refuses %j', (remotes, message) => {
    expect(() => config(remotes)).toThrow(message);
  });
});
