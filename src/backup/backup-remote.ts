import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { StorageAdapter } from '@app/storage/storage-adapter';
import type { BackupFiles } from './backup-files';
import { archiveFileName, manifestFileName } from './backup-manifest';

export const REMOTE_PREFIX = 'backups';

/** Off-site copy: archive first, manifest last (a remote listing, like the local one, only trusts manifests). */
export async function uploadBackup(adapter: StorageAdapter, files: BackupFiles, id: string, size: number): Promise<void> {
  await adapter.put(`${REMOTE_PREFIX}/${archiveFileName(id)}`, createReadStream(files.archivePath(id)), {
    contentType: 'application/octet-stream',
    size,
  });
  const manifest = Buffer.from(await files.readManifest(id), 'utf8');
  await adapter.put(`${REMOTE_PREFIX}/${manifestFileName(id)}`, Readable.from([manifest]), {
    contentType: 'application/json',
    size: manifest.length,
  });
}

export async function deleteRemoteBackup(adapter: StorageAdapter, id: string): Promise<void> {
  await adapter.delete(`${REMOTE_PREFIX}/${manifestFileName(id)}`);
  await adapter.delete(`${REMOTE_PREFIX}/${archiveFileName(id)}`);
}
