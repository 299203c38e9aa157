import { createHash, randomBytes } from 'node:crypto';
import type { AppConfig } from '@app/config/app-config';
import type { StorageService } from '@app/storage/storage.service';
import { MIGRATIONS } from '../../migrations';
import { drainHashed, readArchive } from './archive-io';
import { BackupIntegrityError, openManifest, type BackupKeys } from './backup-crypto';
import type { BackupFiles } from './backup-files';
import { OBJECT_ENTRY_PREFIX, TABLE_ENTRY, type BackupManifest } from './backup-manifest';
import { countRows, DatabaseLoader, migrateTarget, migrationIndex, MigrationMismatchError, pgClient, wipeSchema } from './database-dump';
import { StorageLoader } from './storage-dump';

const MARKER_ENTRY = 'VERTEX-AR-BACKUP';

/** Reads and authenticates the manifest of a backup (throws `BackupIntegrityError` when edited or foreign). */
export async function loadManifest(files: BackupFiles, keys: BackupKeys, id: string): Promise<BackupManifest> {
  const manifest = openManifest<BackupManifest>(await files.readManifest(id), keys.manifest);
  if (manifest.id !== id) throw new BackupIntegrityError('manifest belongs to another backup');
  return manifest;
}

/**
 * Full integrity pass without writing anything: archive size and SHA-256, every chunk's GCM tag, every table's
 * bytes/parts/SHA-256 and every object's size/SHA-256 against the manifest, nothing missing and nothing extra.
 */
export async function checkArchive(files: BackupFiles, keys: BackupKeys, manifest: BackupManifest): Promise<string[]> {
  const size = await files.archiveSize(manifest.id);
  if (size === null) throw new BackupIntegrityError('archive file is missing');
  if (size !== manifest.archive.size) throw new BackupIntegrityError(`archive is ${size} bytes, manifest says ${manifest.archive.size}`);
  const source = files.openArchive(manifest.id);
  const fileHash = createHash('sha256');
  source.on('data', (chunk: string | Buffer) => fileHash.update(chunk));
  const tables = manifest.database?.tables ?? [];
  const tableState = tables.map(() => ({ hash: createHash('sha256'), bytes: 0, parts: 0 }));
  const objects = new Map((manifest.storage?.objects ?? []).map((object) => [object.key, object]));
  const seen = new Set<string>();
  await readArchive(source, keys.archive, async (entry) => {
    const table = TABLE_ENTRY.exec(entry.name);
    if (table) {
      const index = Number(table[1]);
      const state = tableState[index];
      if (!state || Number(table[2]) !== state.parts) throw new BackupIntegrityError(`unexpected table part ${entry.name}`);
      state.parts += 1;
      for await (const chunk of entry.stream as AsyncIterable<Buffer>) {
        state.hash.update(chunk);
        state.bytes += chunk.length;
      }
    } else if (entry.name.startsWith(OBJECT_ENTRY_PREFIX)) {
      const key = entry.name.slice(OBJECT_ENTRY_PREFIX.length);
      const expected = objects.get(key);
      if (!expected || seen.has(key)) throw new BackupIntegrityError('archive holds an object the manifest does not list');
      seen.add(key);
      const { bytes, sha256 } = await drainHashed(entry.stream);
      if (bytes !== expected.size || sha256 !== expected.sha256) throw new BackupIntegrityError(`object checksum mismatch`);
    } else if (entry.name !== MARKER_ENTRY) {
      throw new BackupIntegrityError(`unexpected entry in the archive`);
    }
  });
  if (fileHash.digest('hex') !== manifest.archive.sha256) throw new BackupIntegrityError('archive SHA-256 does not match the manifest');
  tables.forEach((table, index) => {
    const state = tableState[index];
    if (state.parts !== table.parts || state.bytes !== table.bytes || state.hash.digest('hex') !== table.sha256) {
      throw new BackupIntegrityError(`table ${table.name}: data does not match the manifest checksum`);
    }
  });
  if (seen.size !== objects.size) throw new BackupIntegrityError(`${objects.size - seen.size} object(s) missing from the archive`);
  return [
    `archive ${manifest.archive.size} bytes, SHA-256 ok, every chunk authenticated`,
    `${tables.length} table(s), ${manifest.totals.rows} row(s): checksums ok`,
    `${objects.size} object(s), ${manifest.totals.objectBytes} bytes: checksums ok`,
  ];
}

export interface RestoreReport {
  migrationsToBackupVersion: string[];
  rowsLoaded: Record<string, number>;
  objectsRestored: number;
  objectBytes: number;
  remainingMigrations: string[];
  replicaMode: boolean;
}

/**
 * Restores a backup into the database at `url` (emptied first: the schema's tables are dropped), and its
 * objects through `storage` (null: database only). Refuses before touching anything when the archive is
 * damaged or the backup needs a migration this code does not know.
 */
export async function restoreBackup(options: {
  url: string;
  config: AppConfig;
  files: BackupFiles;
  keys: BackupKeys;
  manifest: BackupManifest;
  storage: StorageService | null;
}): Promise<RestoreReport> {
  const { url, config, files, keys, manifest, storage } = options;
  const target = migrationIndex(manifest.migration);
  if (manifest.database && target === -1) {
    throw new MigrationMismatchError(
      `the backup was made at migration ${manifest.migration ?? 'none'}, which this version does not know (newer code?)`,
    );
  }
  await checkArchive(files, keys, manifest);
  const report: RestoreReport = {
    migrationsToBackupVersion: [],
    rowsLoaded: {},
    objectsRestored: 0,
    objectBytes: 0,
    remainingMigrations: [],
    replicaMode: false,
  };
  let loader: DatabaseLoader | null = null;
  if (manifest.database) {
    await wipeSchema(url, config);
    report.migrationsToBackupVersion = await migrateTarget(url, config, target);
    loader = new DatabaseLoader(url, config, manifest.database.tables);
    await loader.begin();
  }
  const objects = storage && manifest.storage ? new StorageLoader(storage, manifest.storage) : null;
  const commitDatabase = async (): Promise<void> => {
    if (!loader) return;
    const open = loader;
    loader = null;
    try {
      report.rowsLoaded = await open.commit(manifest.database!.sequences);
      report.replicaMode = open.replicaMode;
    } finally {
      await open.close();
    }
  };
  try {
    await readArchive(files.openArchive(manifest.id), keys.archive, async (entry) => {
      const table = TABLE_ENTRY.exec(entry.name);
      if (table) {
        if (!loader) throw new BackupIntegrityError('table data after the objects');
        await loader.write(Number(table[1]), Number(table[2]), entry.stream);
      } else if (entry.name.startsWith(OBJECT_ENTRY_PREFIX)) {
        await commitDatabase();
        if (objects) await objects.write(entry.name, entry.stream);
      }
    });
    await commitDatabase();
  } finally {
    // On failure the COPY transaction is rolled back (the schema stays migrated and empty).
    await (loader as DatabaseLoader | null)?.close();
  }
  if (objects) {
    if (objects.missing().length > 0) throw new BackupIntegrityError(`${objects.missing().length} object(s) were not restored`);
    report.objectsRestored = objects.restored.size;
    report.objectBytes = objects.bytes;
  }
  if (manifest.database) report.remainingMigrations = await migrateTarget(url, config, MIGRATIONS.length - 1);
  return report;
}

/** `postgres://…/db` → same server, database `name`. */
export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/**
 * The restore drill: restore into a scratch database `vertex_verify_<random>` on the same server, compare row
 * counts with the manifest, drop it. 'skipped' when the database user may not create databases.
 */
export async function scratchRestore(
  url: string,
  config: AppConfig,
  files: BackupFiles,
  keys: BackupKeys,
  manifest: BackupManifest,
): Promise<{ status: 'ok' | 'skipped'; detail: string }> {
  const name = `vertex_verify_${randomBytes(6).toString('hex')}`;
  const admin = pgClient(url, config);
  await admin.connect();
  try {
    try {
      await admin.query(`CREATE DATABASE "${name}"`);
    } catch (error) {
      if ((error as { code?: string }).code === '42501')
        return { status: 'skipped', detail: 'the database user may not create a scratch database' };
      throw error;
    }
    try {
      const scratch = withDatabase(url, name);
      const report = await restoreBackup({ url: scratch, config, files, keys, manifest, storage: null });
      const tables = manifest.database!.tables;
      const counts = await countRows(
        scratch,
        config,
        tables.map((table) => table.name),
      );
      const wrong = tables.filter((table) => counts[table.name] < table.rows || report.rowsLoaded[table.name] !== table.rows);
      if (wrong.length > 0)
        throw new BackupIntegrityError(`row counts differ after the test restore: ${wrong.map((t) => t.name).join(', ')}`);
      return { status: 'ok', detail: `test restore into a scratch database: ${tables.length} table(s), row counts match` };
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
    }
  } finally {
    await admin.end().catch(() => undefined);
  }
}
