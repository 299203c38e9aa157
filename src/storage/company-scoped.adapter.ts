import type { Readable } from 'node:stream';
import type { ByteRange, GetResult, ListedObject, ObjectInfo, PutOptions, StorageAdapter, StorageTestResult } from './storage-adapter';
import { InvalidStorageKeyError } from './storage-errors';
import { assertKeyInCompany, companyPrefix } from './storage-keys';

/** Wraps an adapter so every key must lie under `companies/{companyId}/` (a second tenant check below the services). */
export class CompanyScopedAdapter implements StorageAdapter {
  readonly kind: StorageAdapter['kind'];

  constructor(
    readonly inner: StorageAdapter,
    readonly companyId: string,
  ) {
    this.kind = inner.kind;
  }

  put(key: string, body: Readable, options: PutOptions): Promise<ObjectInfo> {
    return this.inner.put(assertKeyInCompany(key, this.companyId), body, options);
  }

  get(key: string, range?: ByteRange): Promise<GetResult> {
    return this.inner.get(assertKeyInCompany(key, this.companyId), range);
  }

  head(key: string): Promise<ObjectInfo> {
    return this.inner.head(assertKeyInCompany(key, this.companyId));
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(assertKeyInCompany(key, this.companyId));
  }

  list(prefix: string): AsyncIterable<ListedObject> {
    const own = companyPrefix(this.companyId);
    const cleaned = prefix.replace(/\/+$/, '');
    if (cleaned !== own) assertKeyInCompany(cleaned, this.companyId);
    if (cleaned === '') throw new InvalidStorageKeyError('a company may only list its own prefix');
    return this.inner.list(cleaned);
  }

  signedUrl(key: string, ttlSeconds: number): Promise<string | null> {
    return this.inner.signedUrl(assertKeyInCompany(key, this.companyId), ttlSeconds);
  }

  test(): Promise<StorageTestResult> {
    return this.inner.test();
  }
}
