import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LocalStorageAdapter } from './adapters/local.adapter';
import { InvalidStorageKeyError } from './storage-errors';
import { assertKeyInCompany, companyKey, validateKey, validatePrefix } from './storage-keys';

const companyA = randomUUID();
const companyB = randomUUID();

const HOSTILE = [
  '../x',
  'a/../x',
  'a/./x',
  '.',
  '..',
  '%2e%2e%2f',
  '%2e%2e/x',
  '..%2fx',
  '..%252f',
  '%252e%252e%252fx',
  '%25252e%25252e%25252fx',
  '..%5cx',
  '%2e%2e%5cx',
  '..\\x',
  'a\\b',
  '/abs',
  '//abs',
  'a\u0000b',
  'a%00b',
  'a\nb',
  'a\u007fb',
  'a//b',
  'a/',
  '',
  'a%',
  'a%zz',
  'a b',
  'ключ',
  'x'.repeat(1025),
];

describe('storage keys', () => {
  it.each(HOSTILE)('rejects %j', (key) => {
    expect(() => validateKey(key)).toThrow(InvalidStorageKeyError);
  });

  it('accepts keys built from server ids', () => {
    const portrait = randomUUID();
    const key = companyKey(companyA, 'portraits', portrait, 'image.jpg');
    expect(key).toBe(`companies/${companyA}/portraits/${portrait}/image.jpg`);
    expect(validateKey(key)).toBe(key);
  });

  it('refuses to build keys from anything but ids and clean segments', () => {
    expect(() => companyKey('not-a-uuid', 'x')).toThrow(InvalidStorageKeyError);
    expect(() => companyKey(companyA.toUpperCase(), 'x')).toThrow(InvalidStorageKeyError);
    expect(() => companyKey(companyA, '../b', 'x')).toThrow(InvalidStorageKeyError);
    expect(() => companyKey(companyA, 'a/b')).toThrow(InvalidStorageKeyError);
    expect(() => companyKey(companyA)).toThrow(InvalidStorageKeyError);
  });

  it('keeps a key inside the caller company', () => {
    expect(assertKeyInCompany(`companies/${companyA}/x`, companyA)).toBe(`companies/${companyA}/x`);
    expect(() => assertKeyInCompany(`companies/${companyB}/x`, companyA)).toThrow(InvalidStorageKeyError);
    expect(() => assertKeyInCompany(`companies/${companyA}`, companyA)).toThrow(InvalidStorageKeyError);
    expect(() => assertKeyInCompany(`companies/${companyA}x/y`, companyA)).toThrow(InvalidStorageKeyError);
    expect(() => assertKeyInCompany(`companies/${companyA}/../${companyB}/x`, companyA)).toThrow(InvalidStorageKeyError);
    expect(() => assertKeyInCompany(`companies/${companyA}/%2e%2e/${companyB}/x`, companyA)).toThrow(InvalidStorageKeyError);
  });

  it('allows folder names of any script in prefixes, with the same structural rules', () => {
    expect(validatePrefix('/Клиенты/2026 весна/')).toBe('Клиенты/2026 весна');
    expect(validatePrefix('')).toBe('');
    for (const bad of ['../x', 'a/%2e%2e', 'a\\b', 'a\u202eb', ' lead', 'a//b', 'a\u0000']) {
      expect(() => validatePrefix(bad), bad).toThrow(InvalidStorageKeyError);
    }
  });
});

describe('local adapter confinement', () => {
  let base: string;
  let root: string;
  let adapter: LocalStorageAdapter;

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'vertex-ar-confine-'));
    root = join(base, 'root');
    adapter = new LocalStorageAdapter(root);
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it.each([
    '../escape.txt',
    '../../escape.txt',
    '%2e%2e%2fescape.txt',
    '..%252fescape.txt',
    '..\\escape.txt',
    '/tmp/escape.txt',
    'a/../../escape.txt',
  ])('never writes outside its root for %j', async (key) => {
    await expect(adapter.put(key, Readable.from([Buffer.from('x')]), { contentType: 'text/plain' })).rejects.toThrow(
      InvalidStorageKeyError,
    );
    await expect(adapter.get(key)).rejects.toThrow(InvalidStorageKeyError);
    await expect(adapter.delete(key)).rejects.toThrow(InvalidStorageKeyError);
    expect(readdirSync(base)).toEqual(existsSync(root) ? ['root'] : []);
    expect(existsSync('/tmp/escape.txt')).toBe(false);
  });

  it('writes a valid key under the root with private permissions', async () => {
    const key = companyKey(companyA, 'portraits', randomUUID(), 'image.jpg');
    await adapter.put(key, Readable.from([Buffer.from('hello')]), { contentType: 'image/jpeg' });
    const { statSync } = await import('node:fs');
    expect(statSync(join(root, key)).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, 'companies')).mode & 0o777).toBe(0o700);
    expect(readdirSync(base)).toEqual(['root']);
  });
});
