import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, Repository } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { BACKUP_EVENTS, type BackupFailedEvent } from '@app/common/domain-events';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import { AuditService } from '@app/security/audit/audit.service';
import { Clock } from '@app/security/clock';
import { ApiException, ErrorCode } from '@app/security/errors';
import { StorageConnectionEntity } from '@app/storage/entities/storage-connection.entity';
import type { StorageAdapter } from '@app/storage/storage-adapter';
import { StorageAdapterFactory } from '@app/storage/storage-adapter.factory';
import { StorageService, type CompanyStorageBinding } from '@app/storage/storage.service';
import { backupKeys, type BackupKeys } from './backup-crypto';
import { BackupFiles } from './backup-files';
import type { BackupManifest } from './backup-manifest';
import { checkArchive, loadManifest, restoreBackup, scratchRestore, type RestoreReport } from './backup-reader';
import { deleteRemoteBackup, uploadBackup } from './backup-remote';
import { backupsToRotate, lastGoodBackup } from './backup-rotation';
import { writeBackup } from './backup-writer';
import { BackupEntity, type BackupKind, type BackupSummary, type BackupTrigger, type VerifyResult } from './backup.entity';
import { pgClient } from './database-dump';

/** One backup runs at a time in the whole cluster (session advisory lock; a crashed holder releases it). */
const BACKUP_LOCK_KEY = 7_240_531_002;

const notFound = (): ApiException => new ApiException(404, ErrorCode.NotFound, 'Backup not found');
const oneLine = (error: unknown): string => (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').slice(0, 480);

function summaryOf(manifest: BackupManifest): BackupSummary {
  return {
    appVersion: manifest.appVersion,
    migration: manifest.migration,
    tables: manifest.totals.tables,
    rows: manifest.totals.rows,
    objects: manifest.totals.objects,
    objectBytes: manifest.totals.objectBytes,
  };
}

/**
 * Creates, verifies, restores, rotates and deletes backups. The `backups` table is the index the API shows;
 * the authenticated manifest next to each archive is the authority (`reconcile` rebuilds rows from it).
 */
@Injectable()
export class BackupService {
  private readonly logger = new Logger('Backup');
  readonly files: BackupFiles;
  private readonly keys: BackupKeys;
  /** Fault injection for tests: called with the bytes written so far while a backup runs. */
  faultHook: ((bytes: number) => void) | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(BackupEntity) private readonly backups: Repository<BackupEntity>,
    @InjectRepository(StorageConnectionEntity) private readonly connections: Repository<StorageConnectionEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: StorageService,
    private readonly adapters: StorageAdapterFactory,
    private readonly audit: AuditService,
    private readonly events: EventEmitter2,
    private readonly clock: Clock,
  ) {
    this.files = new BackupFiles(config.backup.dir);
    this.keys = backupKeys(config.security.dataEncryptionKey);
  }

  private get databaseUrl(): string {
    return (this.dataSource.options as PostgresConnectionOptions).url!;
  }

  async get(id: string): Promise<BackupEntity> {
    const row = await this.backups.findOneBy({ id });
    if (!row) throw notFound();
    return row;
  }

  /** A queued row; the caller runs it (`execute`) in the background or inline. */
  async request(kind: BackupKind, trigger: BackupTrigger, actorId: string | null): Promise<BackupEntity> {
    const row = await this.backups.save(
      this.backups.create({
        id: randomUUID(),
        kind,
        status: 'queued',
        trigger,
        createdBy: actorId,
        createdAt: this.clock.now(),
        summary: {},
      }),
    );
    await this.audit.record({ action: 'backup.requested', target: { type: 'backup', id: row.id }, details: { kind, trigger } });
    return row;
  }

  /** Runs a queued backup to completion (or failure) under the cluster-wide lock; never throws for a failed run. */
  async execute(id: string): Promise<BackupEntity> {
    const lock = pgClient(this.databaseUrl, this.config);
    await lock.connect();
    try {
      await lock.query('SELECT pg_advisory_lock($1)', [BACKUP_LOCK_KEY]);
      await this.cleanUpInterrupted(id);
      const row = await this.get(id);
      if (row.status !== 'queued') return row;
      await this.backups.update({ id }, { status: 'running' });
      try {
        const manifest = await writeBackup({
          id,
          kind: row.kind,
          createdAt: row.createdAt,
          config: this.config,
          databaseUrl: this.databaseUrl,
          storage: this.storage,
          companies: await this.companies(),
          files: this.files,
          keys: this.keys,
          onProgress: this.faultHook,
        });
        const summary = summaryOf(manifest);
        await this.backups.update(
          { id },
          {
            status: 'complete',
            fileName: manifest.archive.fileName,
            size: manifest.archive.size,
            sha256: manifest.archive.sha256,
            summary,
            completedAt: new Date(manifest.completedAt),
          },
        );
        await this.audit.record({
          action: 'backup.completed',
          target: { type: 'backup', id },
          details: { kind: row.kind, size: manifest.archive.size },
        });
        await this.copyOffSite(id, manifest.archive.size, summary);
        await this.rotate();
      } catch (error) {
        await this.fail(id, error);
      }
      return this.get(id);
    } finally {
      await lock.end().catch(() => undefined);
    }
  }

  private async fail(id: string, error: unknown): Promise<void> {
    const reason = oneLine(error);
    this.logger.error({ backupId: id, reason }, 'backup failed');
    await this.files.removeBackup(id).catch(() => undefined);
    await this.backups.update({ id }, { status: 'failed', error: reason, completedAt: this.clock.now() });
    await this.audit.record({ action: 'backup.failed', outcome: 'failure', target: { type: 'backup', id }, details: { reason } });
    const event: BackupFailedEvent = { backupId: id, reason, failedAt: this.clock.now().toISOString() };
    this.events.emit(BACKUP_EVENTS.failed, event);
  }

  /** With the lock held, a row still `running` belongs to a process that died: mark it failed, drop partial files. */
  private async cleanUpInterrupted(currentId: string): Promise<void> {
    const stale = await this.backups.findBy({ status: 'running' });
    for (const row of stale.filter((candidate) => candidate.id !== currentId)) {
      await this.backups.update(
        { id: row.id },
        { status: 'failed', error: 'interrupted (the process stopped during the backup)', completedAt: this.clock.now() },
      );
      await this.files.removeBackup(row.id).catch(() => undefined);
    }
    await this.files.ensureDir();
    const removed = await this.files.removePartials();
    if (removed.length > 0) this.logger.warn(`removed ${removed.length} partial backup file(s) of an interrupted run`);
  }

  private async companies(): Promise<CompanyStorageBinding[]> {
    return (await this.dataSource.query(
      `SELECT id, storage_type AS "storageType", storage_connection_id AS "storageConnectionId", storage_folder AS "storageFolder"
       FROM companies ORDER BY id`,
    )) as CompanyStorageBinding[];
  }

  private async remoteAdapter(): Promise<StorageAdapter | null> {
    const id = this.config.backup.remoteConnectionId;
    if (!id) return null;
    const connection = await this.connections.findOneBy({ id });
    if (!connection) throw new Error(`BACKUP_REMOTE_CONNECTION_ID names no storage connection`);
    return this.adapters.build(connection);
  }

  private async copyOffSite(id: string, size: number, summary: BackupSummary): Promise<void> {
    const connectionId = this.config.backup.remoteConnectionId;
    if (!connectionId) return;
    try {
      await uploadBackup((await this.remoteAdapter())!, this.files, id, size);
      summary.remote = { connectionId, ok: true };
    } catch (error) {
      summary.remote = { connectionId, ok: false, message: oneLine(error) };
      this.logger.error({ backupId: id, reason: summary.remote.message }, 'off-site copy of the backup failed');
      await this.audit.record({
        action: 'backup.remote-failed',
        outcome: 'failure',
        target: { type: 'backup', id },
        details: { reason: summary.remote.message },
      });
      this.events.emit(BACKUP_EVENTS.failed, {
        backupId: id,
        reason: `off-site copy failed: ${summary.remote.message}`,
        failedAt: this.clock.now().toISOString(),
      } satisfies BackupFailedEvent);
    }
    await this.backups.update({ id }, { summary });
  }

  /** Keeps BACKUP_KEEP newest complete backups, never the last good one; returns the ids removed. */
  async rotate(): Promise<string[]> {
    const complete = await this.backups.findBy({ status: 'complete' });
    const doomed = backupsToRotate(complete, this.config.backup.keep);
    for (const row of doomed) await this.destroy(row, 'rotation');
    return doomed.map((row) => row.id);
  }

  private async destroy(row: BackupEntity, reason: 'rotation' | 'request'): Promise<void> {
    await this.files.removeBackup(row.id);
    const remote = await this.remoteAdapter().catch(() => null);
    if (remote)
      await deleteRemoteBackup(remote, row.id).catch((error: unknown) => this.logger.warn(`remote copy not deleted: ${oneLine(error)}`));
    await this.backups.delete({ id: row.id });
    await this.audit.record({ action: 'backup.deleted', target: { type: 'backup', id: row.id }, details: { reason, kind: row.kind } });
  }

  /** DELETE: refuses a queued/running backup and the last good one (409). */
  async remove(id: string): Promise<void> {
    const row = await this.get(id);
    if (row.status === 'queued' || row.status === 'running') throw new ApiException(409, ErrorCode.Conflict, 'The backup is still running');
    if (row.status === 'complete') {
      const complete = await this.backups.findBy({ status: 'complete' });
      if (complete.length <= 1 || lastGoodBackup(complete)?.id === id) {
        throw new ApiException(409, ErrorCode.Conflict, 'This is the last good backup; create a newer one first');
      }
    }
    await this.destroy(row, 'request');
  }

  /** Checksums of everything plus a test restore into a scratch database; stores and returns the result. */
  async verify(id: string): Promise<BackupEntity> {
    const row = await this.get(id);
    if (row.status !== 'complete') throw new ApiException(409, ErrorCode.Conflict, 'Only a complete backup can be verified');
    const result: VerifyResult = { ok: false, checks: [], scratchRestore: 'not-applicable' };
    try {
      const manifest = await loadManifest(this.files, this.keys, id);
      result.checks.push('manifest authenticated');
      result.checks.push(...(await checkArchive(this.files, this.keys, manifest)));
      if (manifest.database) {
        const drill = await scratchRestore(this.databaseUrl, this.config, this.files, this.keys, manifest);
        result.scratchRestore = drill.status;
        result.checks.push(drill.detail);
      }
      result.ok = true;
    } catch (error) {
      result.error = oneLine(error);
      if (result.scratchRestore === 'not-applicable' && result.checks.length > 2) result.scratchRestore = 'failed';
    }
    await this.backups.update({ id }, { verifiedAt: this.clock.now(), verifyResult: result });
    await this.audit.record({
      action: 'backup.verified',
      outcome: result.ok ? 'success' : 'failure',
      target: { type: 'backup', id },
      details: { ok: result.ok, ...(result.error ? { error: result.error } : {}) },
    });
    return this.get(id);
  }

  /**
   * Restores a backup into the configured database (dropping its tables first) and its objects into each
   * company's storage. Found by id in BACKUP_DIR, so it works when the database is gone; rows are rebuilt after.
   */
  async restore(id: string): Promise<{ manifest: BackupManifest; report: RestoreReport }> {
    const manifest = await loadManifest(this.files, this.keys, id).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`no backup ${id} in BACKUP_DIR`);
      throw error;
    });
    const report = await restoreBackup({
      url: this.databaseUrl,
      config: this.config,
      files: this.files,
      keys: this.keys,
      manifest,
      storage: this.storage,
    });
    this.storage.invalidate();
    await this.reconcile();
    await this.audit.record({
      action: 'backup.restored',
      target: { type: 'backup', id },
      details: { kind: manifest.kind, migration: manifest.migration },
    });
    return { manifest, report };
  }

  /** Adds a `complete` row for every authentic manifest in BACKUP_DIR that has none (after a restore or a lost database). */
  async reconcile(): Promise<number> {
    const ids = await this.files.manifestIds();
    const known = new Set((await this.backups.findBy({ id: In(ids.length > 0 ? ids : [randomUUID()]) })).map((row) => row.id));
    let added = 0;
    for (const id of ids.filter((candidate) => !known.has(candidate))) {
      const manifest = await loadManifest(this.files, this.keys, id).catch(() => null);
      if (!manifest) continue;
      await this.backups.save(
        this.backups.create({
          id,
          kind: manifest.kind,
          status: 'complete',
          trigger: 'cli',
          fileName: manifest.archive.fileName,
          size: manifest.archive.size,
          sha256: manifest.archive.sha256,
          summary: summaryOf(manifest),
          createdAt: new Date(manifest.createdAt),
          completedAt: new Date(manifest.completedAt),
        }),
      );
      added += 1;
    }
    return added;
  }
}
