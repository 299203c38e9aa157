import { InvalidStorageKeyError } from './storage-errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** One key segment: letters, digits and `._-` only (a conservative set every backend stores verbatim). */
const SEGMENT = /^[A-Za-z0-9._-]{1,128}$/;
/** A folder-name segment of a base path or company folder (admins type these; Yandex folders are often Cyrillic). */
const FOLDER_SEGMENT = /^[\p{L}\p{N}._()-](?:[\p{L}\p{N} ._()-]{0,253}[\p{L}\p{N}._()-])?$/u;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const MAX_KEY_LENGTH = 1024;

function decodeOnce(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new InvalidStorageKeyError('malformed percent-encoding');
  }
}

function checkSegments(value: string, what: string): void {
  if (value.startsWith('/')) throw new InvalidStorageKeyError(`${what} starts with /`);
  if (value.includes('\\')) throw new InvalidStorageKeyError(`${what} contains a backslash`);
  if (CONTROL.test(value)) throw new InvalidStorageKeyError(`${what} contains a control character`);
  for (const segment of value.split('/')) {
    if (segment === '') throw new InvalidStorageKeyError(`${what} has an empty segment`);
    if (segment === '.' || segment === '..') throw new InvalidStorageKeyError(`${what} has a dot segment`);
  }
}

/**
 * Validates a storage key (or a key prefix) and returns it unchanged. Rejects a leading `/`, `\`, NUL and other
 * control characters, empty, `.` and `..` segments, and any percent-encoded or double-encoded variant of those:
 * the value is decoded up to three times and re-checked after each pass, and any `%` left at the end is refused.
 * Finally every segment must be `[A-Za-z0-9._-]{1,128}` (so no `%`, space, colon or non-ASCII reaches a backend).
 */
export function validateKey(key: unknown, what = 'key', segmentRule: RegExp = SEGMENT): string {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidStorageKeyError(`${what} is empty`);
  if (key.length > MAX_KEY_LENGTH) throw new InvalidStorageKeyError(`${what} is too long`);
  let current = key;
  checkSegments(current, what);
  for (let pass = 0; pass < 3 && current.includes('%'); pass++) {
    current = decodeOnce(current);
    checkSegments(current, what);
  }
  if (current.includes('%')) throw new InvalidStorageKeyError(`${what} is still percent-encoded after three decodings`);
  for (const segment of key.split('/')) {
    if (!segmentRule.test(segment)) throw new InvalidStorageKeyError(`${what} has a segment with characters that are not allowed`);
  }
  return key;
}

/**
 * A key prefix such as a connection's base path or a company folder: the same structural rules (no dot
 * segments, backslash, control characters or encodings), segments may be folder names with letters of any
 * script, digits, spaces inside, `._()-`. Surrounding slashes are dropped; empty means no prefix.
 */
export function validatePrefix(prefix: string | null | undefined, what = 'prefix'): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : validateKey(trimmed.normalize('NFC'), what, FOLDER_SEGMENT);
}

/** True when `validatePrefix` accepts the value (for DTO validation). */
export function isValidPrefix(prefix: string): boolean {
  try {
    validatePrefix(prefix);
    return true;
  } catch {
    return false;
  }
}

/** Joins validated parts with `/`, skipping empty ones. */
export function joinKey(...parts: string[]): string {
  return parts.filter((part) => part !== '').join('/');
}

function assertUuid(value: string, what: string): void {
  if (!UUID.test(value)) throw new InvalidStorageKeyError(`${what} is not a lower-case UUID`);
}

/**
 * Builds `companies/{companyId}/…` from server-side values only: the company id must be a UUID and every
 * further segment passes the validator (e.g. `companyKey(id, 'portraits', portraitId, 'image.jpg')`).
 */
export function companyKey(companyId: string, ...segments: string[]): string {
  assertUuid(companyId, 'companyId');
  if (segments.length === 0) throw new InvalidStorageKeyError('a company key needs at least one segment');
  for (const segment of segments) {
    if (segment.includes('/')) throw new InvalidStorageKeyError('a segment must not contain /');
    validateKey(segment, 'segment');
  }
  return validateKey(['companies', companyId, ...segments].join('/'));
}

/** The key prefix of everything a company stores (`companies/{companyId}`). */
export function companyPrefix(companyId: string): string {
  assertUuid(companyId, 'companyId');
  return `companies/${companyId}`;
}

/** Throws unless the key is valid and lies under `companies/{companyId}/` (tenant isolation for keys). */
export function assertKeyInCompany(key: string, companyId: string): string {
  validateKey(key);
  if (!key.startsWith(`${companyPrefix(companyId)}/`)) throw new InvalidStorageKeyError('key belongs to another company');
  return key;
}

/** The prefix given to `list()`: empty (everything) or a valid key of a folder, with or without a trailing `/`. */
export function validateListPrefix(prefix: string): string {
  if (prefix === '') return '';
  return validateKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix, 'prefix');
}
