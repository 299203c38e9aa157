import type { Readable } from 'node:stream';

/** Inclusive byte range. `{start, end?}` from an offset (to the end when `end` is absent), or `{suffix}` for the last N bytes. */
export type ByteRange = { start: number; end?: number } | { suffix: number };

export interface PutOptions {
  contentType: string;
  /** Known length in bytes, when the caller has it (lets some backends skip multipart). */
  size?: number;
}

export interface ObjectInfo {
  size: number;
  contentType: string;
  lastModified?: Date;
}

export interface GetResult extends ObjectInfo {
  stream: Readable;
  /** Present for range reads: the bytes actually returned, inclusive. */
  contentRange?: { start: number; end: number; size: number };
}

export interface ListedObject {
  key: string;
  size: number;
  lastModified?: Date;
}

export interface StorageTestResult {
  ok: boolean;
  /** Human-readable; never contains a credential. */
  message: string;
}

/**
 * One interface for every backend. Keys are relative to the adapter's root/prefix and always validated
 * (`validateKey`) before anything touches the backend. Missing objects → `ObjectNotFoundError`; backend not
 * reachable or failing → `StorageUnavailableError`; bad range → `RangeNotSatisfiableError`.
 */
export interface StorageAdapter {
  readonly kind: 'local' | 's3' | 'yandex_disk';
  /** Streams the body in; the object becomes visible only once complete (overwrites an existing one). */
  put(key: string, body: Readable, options: PutOptions): Promise<ObjectInfo>;
  get(key: string, range?: ByteRange): Promise<GetResult>;
  head(key: string): Promise<ObjectInfo>;
  /** Idempotent: deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Every object under the prefix (recursively), keys relative to the adapter root. */
  list(prefix: string): AsyncIterable<ListedObject>;
  /** A short-lived GET URL (S3 only; ttl ≤ 900 s); null when the backend cannot sign. */
  signedUrl(key: string, ttlSeconds: number): Promise<string | null>;
  test(): Promise<StorageTestResult>;
}

export const MAX_SIGNED_URL_TTL_SECONDS = 900;

/** Resolves a requested range against the object size; throws via `onInvalid` when unsatisfiable. */
export function resolveRange(range: ByteRange, size: number, onInvalid: () => Error): { start: number; end: number } {
  if ('suffix' in range) {
    if (!Number.isSafeInteger(range.suffix) || range.suffix <= 0 || size === 0) throw onInvalid();
    return { start: Math.max(0, size - range.suffix), end: size - 1 };
  }
  const { start } = range;
  if (!Number.isSafeInteger(start) || start < 0 || start >= size) throw onInvalid();
  const end = range.end === undefined ? size - 1 : Math.min(range.end, size - 1);
  if (!Number.isSafeInteger(end) || end < start) throw onInvalid();
  return { start, end };
}
