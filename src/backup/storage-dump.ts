import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import type * as tar from 'tar-stream';
import type { ListedObject } from '@app/storage/storage-adapter';
import { companyPrefix } from '@app/storage/storage-keys';
import type { CompanyStorageBinding, StorageService } from '@app/storage/storage.service';
import { addStreamEntry } from './archive-io';
import { BackupIntegrityError } from './backup-crypto';
import type { BackupManifest, CompanyBindingManifest, ObjectManifest } from './backup-manifest';
import { OBJECT_ENTRY_PREFIX } from './backup-manifest';

/**
 * Streams every object of every company (`companies/{id}/…`, whatever the company's storage: local, S3 or
 * Yandex Disk) into the tar, each with its size and SHA-256. Objects are read one at a time: memory stays flat.
 */
export async function dumpStorage(
  storage: StorageService,
  companies: CompanyStorageBinding[],
  pack: tar.Pack,
  onBytes: (bytes: number) => void,
): Promise<{ companies: CompanyBindingManifest[]; objects: ObjectManifest[] }> {
  const bindings: CompanyBindingManifest[] = [];
  const objects: ObjectManifest[] = [];
  for (const company of companies) {
    const adapter = await storage.forCompany(company);
    const listed: ListedObject[] = [];
    for await (const item of adapter.list(companyPrefix(company.id))) listed.push(item);
    listed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    let bytes = 0;
    for (const item of listed) {
      const object = await adapter.get(item.key);
      const sha256 = await addStreamEntry(pack, `${OBJECT_ENTRY_PREFIX}${item.key}`, object.size, object.stream, onBytes);
      objects.push({ key: item.key, companyId: company.id, size: object.size, contentType: object.contentType, sha256 });
      bytes += object.size;
    }
    bindings.push({
      companyId: company.id,
      storageType: company.storageType,
      storageConnectionId: company.storageConnectionId,
      storageFolder: company.storageFolder,
      objects: listed.length,
      bytes,
    });
  }
  return { companies: bindings, objects };
}

/** Writes the objects of a backup back through each company's storage binding (as recorded in the manifest). */
export class StorageLoader {
  private readonly objects: Map<string, ObjectManifest>;
  private readonly bindings: Map<string, CompanyBindingManifest>;
  readonly restored = new Set<string>();
  bytes = 0;

  constructor(
    private readonly storage: StorageService,
    manifest: NonNullable<BackupManifest['storage']>,
  ) {
    this.objects = new Map(manifest.objects.map((object) => [object.key, object]));
    this.bindings = new Map(manifest.companies.map((company) => [company.companyId, company]));
  }

  async write(entryName: string, data: Readable): Promise<void> {
    const key = entryName.slice(OBJECT_ENTRY_PREFIX.length);
    const expected = this.objects.get(key);
    if (!expected || this.restored.has(key)) throw new BackupIntegrityError('archive holds an object the manifest does not list');
    const binding = this.bindings.get(expected.companyId)!;
    const adapter = await this.storage.forCompany({ id: binding.companyId, ...binding });
    const hash = createHash('sha256');
    const body = new PassThrough();
    data.on('data', (chunk: Buffer) => hash.update(chunk));
    data.pipe(body);
    await adapter.put(key, body, { contentType: expected.contentType, size: expected.size });
    if (hash.digest('hex') !== expected.sha256) {
      await adapter.delete(key).catch(() => undefined);
      throw new BackupIntegrityError(`object checksum mismatch`);
    }
    this.restored.add(key);
    this.bytes += expected.size;
  }

  missing(): string[] {
    return [...this.objects.keys()].filter((key) => !this.restored.has(key));
  }
}
