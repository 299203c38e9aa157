import type { BackupKind } from './backup.entity';

export interface TableManifest {
  name: string;
  /** COPY column list (ordinary, non-generated columns in attribute order). */
  columns: string[];
  rows: number;
  /** Bytes and SHA-256 of the COPY (binary) data, over all parts. */
  bytes: number;
  sha256: string;
  parts: number;
}

export interface ObjectManifest {
  key: string;
  companyId: string;
  size: number;
  contentType: string;
  sha256: string;
}

export interface CompanyBindingManifest {
  companyId: string;
  storageType: 'local' | 's3' | 'yandex_disk';
  storageConnectionId: string | null;
  storageFolder: string | null;
  objects: number;
  bytes: number;
}

/** Everything needed to check and restore a backup; sealed with an HMAC (`sealManifest`). */
export interface BackupManifest {
  formatVersion: 1;
  id: string;
  kind: BackupKind;
  appVersion: string;
  createdAt: string;
  completedAt: string;
  /** Newest applied migration when the database was dumped (null for storage-only backups). */
  migration: string | null;
  database: { format: 'pg-copy-binary'; tables: TableManifest[]; sequences: Array<{ name: string; value: string }> } | null;
  storage: { companies: CompanyBindingManifest[]; objects: ObjectManifest[] } | null;
  totals: { tables: number; rows: number; objects: number; objectBytes: number; tarBytes: number };
  archive: { fileName: string; size: number; sha256: string; chunkBytes: number; cipher: 'aes-256-gcm-chunked/1' };
}

export const archiveFileName = (id: string): string => `${id}.vbak`;
export const manifestFileName = (id: string): string => `${id}.manifest.json`;
export const PARTIAL_SUFFIX = '.partial';
/** Entry names inside the tar: `database/<table index>/<part>` and `storage/<key>`. */
export const tableEntryName = (tableIndex: number, part: number): string =>
  `database/${String(tableIndex).padStart(4, '0')}/${String(part).padStart(6, '0')}`;
export const TABLE_ENTRY = /^database\/(\d{4})\/(\d{6})$/;
export const OBJECT_ENTRY_PREFIX = 'storage/';
