import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import type { AppConfig } from '@app/config/app-config';
import type { CompanyStorageBinding, StorageService } from '@app/storage/storage.service';
import { addBufferEntry } from './archive-io';
import { DEFAULT_CHUNK_BYTES, EncryptStream, sealManifest, type BackupKeys } from './backup-crypto';
import type { BackupFiles } from './backup-files';
import type { BackupManifest } from './backup-manifest';
import { archiveFileName } from './backup-manifest';
import type { BackupKind } from './backup.entity';
import { dumpDatabase, type DatabaseDump } from './database-dump';
import { dumpStorage } from './storage-dump';

export interface WriteBackupInput {
  id: string;
  kind: BackupKind;
  createdAt: Date;
  config: AppConfig;
  databaseUrl: string;
  storage: StorageService;
  companies: CompanyStorageBinding[];
  files: BackupFiles;
  keys: BackupKeys;
  /** Fault injection for tests: called with the plaintext bytes written so far; a throw aborts the run. */
  onProgress?: (bytes: number) => void;
}

/**
 * tar (database parts, then objects) → AES-256-GCM chunks → `<id>.vbak.partial`, hashing the ciphertext on
 * the way. Then fsync + rename, and only then the sealed manifest (`.partial` → rename). Anything that fails
 * leaves `.partial` files only, which never list as a backup and are removed by the caller or the next run.
 */
export async function writeBackup(input: WriteBackupInput): Promise<BackupManifest> {
  const { files, keys } = input;
  await files.ensureDir();
  const partial = files.archivePath(input.id, true);
  const pack = tar.pack();
  const archiveHash = createHash('sha256');
  let archiveBytes = 0;
  let tarBytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      archiveHash.update(chunk);
      archiveBytes += chunk.length;
      callback(null, chunk);
    },
  });
  const writing = pipeline(
    pack,
    new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        tarBytes += chunk.length;
        callback(null, chunk);
      },
    }),
    new EncryptStream(keys.archive, DEFAULT_CHUNK_BYTES),
    measure,
    createWriteStream(partial, { flags: 'wx', mode: 0o600 }),
  );
  writing.catch(() => undefined);
  let written = 0;
  const onBytes = (bytes: number): void => {
    written += bytes;
    input.onProgress?.(written);
  };

  let database: DatabaseDump | null = null;
  let storage: Awaited<ReturnType<typeof dumpStorage>> | null = null;
  try {
    if (input.kind !== 'storage') database = await dumpDatabase(input.databaseUrl, input.config, pack, onBytes);
    if (input.kind !== 'database') storage = await dumpStorage(input.storage, input.companies, pack, onBytes);
    await addBufferEntry(pack, 'VERTEX-AR-BACKUP', Buffer.from(`vertex-ar backup ${input.id} (${input.kind})\n`));
    pack.finalize();
    await writing;
  } catch (error) {
    pack.destroy(error as Error);
    await writing.catch(() => undefined);
    throw error;
  }
  await files.publish(partial, files.archivePath(input.id));

  const rows = database?.tables.reduce((sum, table) => sum + table.rows, 0) ?? 0;
  const manifest: BackupManifest = {
    formatVersion: 1,
    id: input.id,
    kind: input.kind,
    appVersion: input.config.app.version,
    createdAt: input.createdAt.toISOString(),
    completedAt: new Date().toISOString(),
    migration: database?.migration ?? null,
    database: database ? { format: 'pg-copy-binary', tables: database.tables, sequences: database.sequences } : null,
    storage,
    totals: {
      tables: database?.tables.length ?? 0,
      rows,
      objects: storage?.objects.length ?? 0,
      objectBytes: storage?.objects.reduce((sum, object) => sum + object.size, 0) ?? 0,
      tarBytes,
    },
    archive: {
      fileName: archiveFileName(input.id),
      size: archiveBytes,
      sha256: archiveHash.digest('hex'),
      chunkBytes: DEFAULT_CHUNK_BYTES,
      cipher: 'aes-256-gcm-chunked/1',
    },
  };
  // Last: the manifest is what makes the archive a backup.
  await files.writeAtomic(files.manifestPath(input.id), sealManifest(manifest, keys.manifest));
  return manifest;
}
